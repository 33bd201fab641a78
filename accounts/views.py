from allauth.account.utils import perform_login
from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.webauthn import views as mfa_webauthn_views
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import invitations
from .forms import (
    AcceptInvitationForm,
    InvitationForm,
    NotificationPreferencesForm,
    OrganisationSecurityForm,
)
from .middleware import SESSION_KEY
from .models import User
from .permissions import get_manageable_organisation_or_404


def _invitation_error(request, error: invitations.InvitationError):
    status = 404 if error.code == "invalid" else 410
    return render(
        request,
        "accounts/invitation_error.html",
        {"error": error, "code": error.code},
        status=status,
    )


def invitation_accept(request, token):
    """The page an invitation link opens: set a password (new account) or join (existing one)."""
    try:
        invitation = invitations.read_token(token)
    except invitations.InvitationError as error:
        return _invitation_error(request, error)

    existing = User.objects.filter(email__iexact=invitation.email).first()
    context = {"invitation": invitation, "organisation": invitation.organisation}
    if request.user.is_authenticated and request.user.email.lower() != invitation.email.lower():
        return render(request, "accounts/invitation_other_account.html", context, status=403)

    if existing is not None:
        if not request.user.is_authenticated:
            context["login_url"] = f"{reverse('account_login')}?next={request.path}"
            return render(request, "accounts/invitation_login.html", context)
        if request.method == "POST":
            try:
                invitations.accept(invitation, request.user)
            except invitations.InvitationError as error:
                return _invitation_error(request, error)
            return _land_in(request, invitation)
        return render(request, "accounts/invitation_join.html", context)

    form = AcceptInvitationForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and form.is_valid():
        try:
            membership = invitations.accept_as_new_user(invitation, form)
        except invitations.InvitationError as error:
            return _invitation_error(request, error)
        perform_login(request, membership.user, redirect_url=reverse("dashboard"))
        return _land_in(request, invitation)
    context["form"] = form
    return render(request, "accounts/invitation_signup.html", context)


def _land_in(request, invitation):
    request.session[SESSION_KEY] = invitation.organisation_id
    messages.success(
        request,
        _("Bienvenue ! Vous faites maintenant partie de « %(organisation)s ».")
        % {"organisation": invitation.organisation.name},
    )
    return redirect("dashboard")


@login_required
@require_POST
def switch_organisation(request):
    wanted = request.POST.get("organisation")
    for membership in request.memberships:
        if str(membership.organisation_id) == wanted:
            request.session[SESSION_KEY] = membership.organisation_id
            messages.info(
                request,
                _("Vous agissez maintenant pour « %(organisation)s ».")
                % {"organisation": membership.organisation.name},
            )
            break
    else:
        messages.error(request, _("Vous ne faites pas partie de cette organisation."))
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = reverse("dashboard")
    return redirect(target)


@login_required
def members(request, pk):
    organisation = get_manageable_organisation_or_404(request.user, pk)
    memberships = organisation.memberships.select_related("user").order_by(
        "-is_active", "user__last_name", "user__first_name"
    )
    pending = organisation.invitations.pending().select_related("invited_by")
    return render(
        request,
        "accounts/members.html",
        {
            "organisation": organisation,
            "memberships": memberships,
            "invitations": pending,
            "security_form": OrganisationSecurityForm(instance=organisation),
        },
    )


@login_required
@require_POST
def organisation_security(request, pk):
    """The organisation's admin requires MFA of all its members, or stops requiring it."""
    organisation = get_manageable_organisation_or_404(request.user, pk)
    form = OrganisationSecurityForm(request.POST, instance=organisation)
    if form.is_valid():
        form.save()
        if organisation.require_mfa:
            messages.success(
                request,
                _(
                    "La double authentification est maintenant obligatoire pour tous les membres "
                    "de l'organisation : chacun devra l'activer avant de continuer."
                ),
            )
        else:
            messages.success(
                request,
                _(
                    "La double authentification n'est plus obligatoire pour les membres (elle le "
                    "reste pour les administrateurs)."
                ),
            )
    return redirect("accounts:members", pk=organisation.pk)


@login_required
def invite(request, pk):
    organisation = get_manageable_organisation_or_404(request.user, pk)
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitations.invite(
                organisation=organisation,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                invited_by=request.user,
            )
        except invitations.AlreadyMember:
            form.add_error("email", _("Cette personne est déjà membre de l'organisation."))
        else:
            messages.success(
                request,
                _("Invitation envoyée à %(email)s. Le lien est valable 7 jours.")
                % {"email": form.cleaned_data["email"]},
            )
            return redirect("accounts:members", pk=organisation.pk)
    return render(request, "accounts/invite.html", {"organisation": organisation, "form": form})


@login_required
@require_POST
def resend_invitation(request, pk, invitation_id):
    organisation = get_manageable_organisation_or_404(request.user, pk)
    invitation = get_object_or_404(organisation.invitations.pending(), pk=invitation_id)
    invitations.resend(invitation)
    messages.success(
        request,
        _("Invitation renvoyée à %(email)s ; l'ancien lien ne fonctionne plus.")
        % {"email": invitation.email},
    )
    return redirect("accounts:members", pk=organisation.pk)


@login_required
@require_POST
def deactivate_member(request, pk, membership_id):
    organisation = get_manageable_organisation_or_404(request.user, pk)
    membership = get_object_or_404(
        organisation.memberships.select_related("user"), pk=membership_id
    )
    if membership.user_id == request.user.pk:
        messages.error(request, _("Vous ne pouvez pas vous désactiver vous-même."))
        return redirect("accounts:members", pk=organisation.pk)
    with transaction.atomic():
        membership.is_active = False
        membership.deactivated_at = timezone.now()
        # Ends every session of that person at once, and revokes their API tokens if this was
        # their last organisation (accounts.signals).
        membership.save(update_fields=["is_active", "deactivated_at"])
    messages.success(
        request,
        _("%(name)s n'a plus accès à l'organisation ; ses sessions ont été fermées.")
        % {"name": membership.user},
    )
    current = getattr(request, "current_membership", None)
    if (
        getattr(settings, "MEMBER_DEACTIVATED_REDIRECT", "")
        and not organisation.is_internal
        and current is not None
        and current.organisation_id == organisation.pk
    ):
        # The departing member's open referrals, listed for reassignment (an upper layer's
        # page, named by a setting as the digest holder is).
        return redirect(f"{reverse(settings.MEMBER_DEACTIVATED_REDIRECT)}?de={membership.user_id}")
    return redirect("accounts:members", pk=organisation.pk)


@login_required
def notification_preferences(request):
    form = NotificationPreferencesForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Préférences enregistrées."))
        return redirect("accounts:notifications")
    return render(request, "accounts/notifications.html", {"form": form})


class RemoveWebAuthnView(mfa_webauthn_views.RemoveWebAuthnView):
    """allauth's removal of a security key, which does not ask the MFA adapter whether the key
    may go: the last one of someone who must use MFA stays (accounts.mfa)."""

    def form_valid(self, form):
        authenticator = self.get_object()
        adapter = get_mfa_adapter()
        if not adapter.can_delete_authenticator(authenticator):
            messages.error(self.request, adapter.error_messages["cannot_delete_authenticator"])
            return redirect("mfa_list_webauthn")
        return super().form_valid(form)


remove_webauthn = RemoveWebAuthnView.as_view()
