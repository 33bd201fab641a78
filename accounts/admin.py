from allauth.mfa import admin as mfa_admin
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import InternalRole, Invitation, LoginEvent, Membership, Organisation, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_active", "is_staff"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Identité"), {"fields": ["first_name", "last_name", "phone"]}),
        (
            _("Droits"),
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "departement", "siret", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "siret"]
    inlines = [MembershipInline]


class InternalRoleInline(admin.TabularInline):
    model = InternalRole
    extra = 0


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "role", "is_active"]
    list_filter = ["role", "is_active", "organisation__kind"]
    search_fields = ["user__email", "organisation__name"]
    autocomplete_fields = ["user", "organisation"]
    inlines = [InternalRoleInline]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "organisation", "role", "sent_at", "accepted_at", "revoked_at"]
    list_filter = ["organisation"]
    search_fields = ["email"]
    readonly_fields = ["key", "accepted_at", "accepted_by", "invited_by"]


@admin.register(LoginEvent)
class LoginEventAdmin(admin.ModelAdmin):
    """The journal is read, never written, from the admin."""

    list_display = ["at", "kind", "user"]
    list_filter = ["kind"]
    search_fields = ["user__email"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# The Django admin shows no MFA data (secrets are encrypted, but even the list of who uses which
# method is nobody's business there): allauth's admin of authenticators is removed. Importing it
# first registers it, so that the admin's autodiscovery does not register it again later.
admin.site.unregister(mfa_admin.Authenticator)
