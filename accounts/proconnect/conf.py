"""ProConnect's names and switches, shared by the provider, the views and the templates."""

from urllib.parse import urlsplit

from django.conf import settings

PROVIDER_ID = "proconnect"

# The raw ID token of a ProConnect sign-in, kept in the session for the logout (`id_token_hint`).
SESSION_ID_TOKEN = "proconnect_id_token"
# After the portal's logout: the ID token, then the `state` of the logout at ProConnect.
SESSION_LOGOUT_ID_TOKEN = "proconnect_logout_id_token"
SESSION_LOGOUT_STATE = "proconnect_logout_state"

# ProConnect signs with the algorithm chosen when the service was registered; the portal
# registers RS256 or ES256 and refuses anything else (never "none", never HS256).
SIGNING_ALGORITHMS = ("RS256", "ES256")
# Clock skew accepted on `exp`/`iat`, in seconds.
LEEWAY = 30

# The `claims` parameter that asks for `amr` in the ID token.
AMR_CLAIMS_REQUEST = '{"id_token":{"amr":{"essential":true}}}'

WHAT_IS_PROCONNECT_URL = "https://proconnect.gouv.fr/"


def is_enabled() -> bool:
    """ProConnect is offered only when its client is configured (README, "ProConnect")."""
    return bool(getattr(settings, "SOCIALACCOUNT_PROVIDERS", {}).get(PROVIDER_ID, {}).get("APPS"))


def csp_sources() -> dict[str, list[str]]:
    """What the Content-Security-Policy must allow for ProConnect (settings.CSP_EXTRA_SOURCES):
    the sign-in and logout forms are redirected to its origin, which form-action must allow."""
    if not is_enabled():
        return {}
    server_url = settings.SOCIALACCOUNT_PROVIDERS[PROVIDER_ID]["APPS"][0]["settings"]["server_url"]
    parts = urlsplit(server_url)
    return {"form-action": [f"{parts.scheme}://{parts.netloc}"]}
