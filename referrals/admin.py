"""Read-only views for the technical team: the referral record is changed by the workflow only."""

from django.contrib import admin

from .models import AccessLog, CommissionSession, ReferralEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyAdmin):
    list_display = ["at", "referral", "user", "organisation", "action"]
    list_filter = ["action"]
    list_select_related = ["referral", "user", "organisation"]
    date_hierarchy = "at"


@admin.register(ReferralEvent)
class ReferralEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "referral", "action", "from_status", "to_status", "actor"]
    list_filter = ["action"]
    list_select_related = ["referral", "actor"]
    date_hierarchy = "created_at"


@admin.register(CommissionSession)
class CommissionSessionAdmin(ReadOnlyAdmin):
    list_display = ["date", "establishment"]
    list_select_related = ["establishment"]
