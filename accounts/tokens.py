"""Personal API tokens (wagtail's APIToken) for the partner API, managed in the account area.

Only a digest is stored: the token itself is shown once, in the response that creates it.
Creating one asks for the password again (allauth's reauthentication), as for MFA: a token
outlives the session that created it."""

from datetime import timedelta

from allauth.account.decorators import reauthentication_required
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import F
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from wagtail.models import APIToken

from . import security

MAX_ACTIVE_TOKENS = 10
DEFAULT_EXPIRY = "365"  # days
EXPIRY_CHOICES = [
    ("30", gettext_lazy("Dans 30 jours")),
    ("90", gettext_lazy("Dans 90 jours")),
    ("365", gettext_lazy("Dans un an")),
    ("never", gettext_lazy("Jamais (déconseillé)")),
]


class TokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Nom du jeton"),
        max_length=100,
        help_text=gettext_lazy(
            "Pour vous y retrouver, par exemple : « Logiciel de suivi du SPIP de la Somme »."
        ),
    )

    expiry = forms.ChoiceField(
        label=gettext_lazy("Expiration"),
        choices=EXPIRY_CHOICES,
        initial=DEFAULT_EXPIRY,
        required=False,
        help_text=gettext_lazy(
            "Passé cette date, le jeton ne donne plus accès à l'API : créez-en un nouveau."
        ),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def expires_at(self):
        choice = self.cleaned_data["expiry"] or DEFAULT_EXPIRY
        return None if choice == "never" else timezone.now() + timedelta(days=int(choice))

    def clean(self):
        cleaned = super().clean()
        active = self.user.api_tokens.filter(revoked_at__isnull=True).count()
        if active >= MAX_ACTIVE_TOKENS:
            raise forms.ValidationError(
                _(
                    "Vous avez déjà %(n)s jetons actifs : révoquez ceux qui ne servent plus "
                    "avant d'en créer un autre."
                )
                % {"n": active}
            )
        return cleaned


def _api_base(request) -> str:
    return request.build_absolute_uri(reverse("referrals_api:api-root"))


@never_cache
@login_required
@reauthentication_required(allow_get=True)
def token_list(request):
    form = TokenForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            token, plaintext = APIToken.create_token(
                user=request.user, name=form.cleaned_data["name"].strip()
            )
            security.set_expiry(token, form.expires_at())
        # Rendered, not redirected: the plaintext exists only in this response.
        return render(
            request,
            "accounts/token_created.html",
            {"token": token, "plaintext": plaintext, "api_base": _api_base(request)},
        )
    return render(
        request,
        "accounts/tokens.html",
        {
            "form": form,
            "tokens": request.user.api_tokens.annotate(expires_at=F("expiry__expires_at")).order_by(
                F("revoked_at").desc(nulls_first=True), "-created"
            ),
            "now": timezone.now(),
            "api_base": _api_base(request),
            "max_tokens": MAX_ACTIVE_TOKENS,
        },
    )


@login_required
@require_POST
def token_revoke(request, pk):
    token = get_object_or_404(APIToken, pk=pk, user=request.user)
    if token.revoked_at is None:
        token.revoke()
        messages.success(
            request,
            _("Le jeton « %(name)s » est révoqué : il ne donne plus accès à l'API.")
            % {"name": token.name},
        )
    else:
        messages.info(request, _("Ce jeton était déjà révoqué."))
    return redirect("accounts:tokens")
