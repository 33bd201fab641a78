"""What the portal checks in ProConnect's answers before believing them.

ProConnect's userinfo endpoint answers a signed JWT (`application/jwt`), not JSON, and its ID
token is signed with the algorithm registered for the service (RS256 or ES256 here). Both are
verified with the keys the provider publishes (`jwks_uri`), for the provider's `iss` and the
portal's client id as `aud`; the ID token also carries the `nonce` of this sign-in and must not
have expired. allauth's generic OpenID Connect client reads userinfo as JSON and skips the ID
token's signature when the token came straight from the token endpoint: these checks replace
both.
"""

import hashlib
import hmac

import jwt
from allauth.socialaccount.adapter import get_adapter
from allauth.socialaccount.providers.base import ProviderException
from django.core.cache import cache

from .conf import LEEWAY, SIGNING_ALGORITHMS

DISCOVERY_TTL = 60 * 60
JWKS_TTL = 10 * 60
REQUIRED_DISCOVERY_FIELDS = (
    "issuer",
    "authorization_endpoint",
    "token_endpoint",
    "userinfo_endpoint",
    "jwks_uri",
)


class ProConnectError(ProviderException):
    """An answer of ProConnect that the portal refuses. `reason` goes to the logs (it never holds
    personal data); the person sees a French page (`views.authentication_error`)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _cache_key(kind: str, url: str) -> str:
    return f"proconnect:{kind}:{hashlib.sha256(url.encode()).hexdigest()}"


def _get(url: str, **kwargs):
    """GET through allauth's requests session (its timeout, `SOCIALACCOUNT_REQUESTS_TIMEOUT`).
    A network error or a 5xx raises `requests.RequestException`: the provider is down."""
    with get_adapter().get_requests_session() as session:
        response = session.get(url, **kwargs)
        response.raise_for_status()
    return response


def openid_configuration(discovery_url: str) -> dict:
    """The provider's discovery document, kept an hour in the cache (shared by app servers)."""
    key = _cache_key("discovery", discovery_url)
    config = cache.get(key)
    if config is None:
        try:
            config = _get(discovery_url).json()
        except ValueError:
            raise ProConnectError("discovery document is not JSON") from None
        missing = [field for field in REQUIRED_DISCOVERY_FIELDS if not config.get(field)]
        if missing:
            raise ProConnectError(f"discovery document lacks {', '.join(missing)}")
        cache.set(key, config, DISCOVERY_TTL)
    return config


def _jwks(jwks_uri: str, *, refresh: bool) -> dict:
    key = _cache_key("jwks", jwks_uri)
    keys = None if refresh else cache.get(key)
    if keys is None:
        try:
            keys = _get(jwks_uri).json()
        except ValueError:
            raise ProConnectError("JWKS is not JSON") from None
        cache.set(key, keys, JWKS_TTL)
    return keys


def _signing_key(token: str, jwks_uri: str):
    """The provider's public key for `token`, by its `kid`; the keys are fetched again once when
    the `kid` is unknown (the provider rotated its keys)."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise ProConnectError("malformed JWT") from None
    algorithm = header.get("alg")
    if algorithm not in SIGNING_ALGORITHMS:
        raise ProConnectError(f"signing algorithm {algorithm!r} refused")
    kid = header.get("kid")
    for refresh in (False, True):
        for jwk in _jwks(jwks_uri, refresh=refresh).get("keys", []):
            if kid is not None and jwk.get("kid") != kid:
                continue
            if jwk.get("use", "sig") != "sig":
                continue
            try:
                return algorithm, jwt.PyJWK(jwk, algorithm=algorithm).key
            except jwt.PyJWTError:
                continue  # a key of another type under the same kid
    raise ProConnectError("no key of the provider matches the JWT")


def verify_jwt(token: str, *, config: dict, client_id: str, required=("iss", "aud", "sub")) -> dict:
    """The claims of `token` once its signature, issuer, audience and dates are checked."""
    algorithm, key = _signing_key(token, config["jwks_uri"])
    try:
        return jwt.decode(
            token,
            key,
            algorithms=[algorithm],
            audience=client_id,
            issuer=config["issuer"],
            leeway=LEEWAY,
            options={"require": list(required)},
        )
    except jwt.ExpiredSignatureError:
        raise ProConnectError("JWT expired") from None
    except jwt.PyJWTError as error:
        raise ProConnectError(f"JWT refused: {error.__class__.__name__}") from None


def verify_id_token(token: str, *, config: dict, client_id: str, nonce: str | None) -> dict:
    claims = verify_jwt(
        token,
        config=config,
        client_id=client_id,
        required=("iss", "aud", "sub", "exp", "iat", "nonce"),
    )
    if not nonce or not hmac.compare_digest(str(claims["nonce"]), nonce):
        raise ProConnectError("ID token nonce differs from this sign-in's")
    return claims


def fetch_userinfo(*, config: dict, client_id: str, access_token: str, sub: str) -> dict:
    """The userinfo claims, from the signed JWT ProConnect answers; plain JSON is refused."""
    response = _get(
        config["userinfo_endpoint"],
        headers={"Authorization": f"Bearer {access_token}", "Accept": "application/jwt"},
    )
    content_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if content_type != "application/jwt":
        raise ProConnectError(f"userinfo is {content_type or 'untyped'}, not a signed JWT")
    claims = verify_jwt(response.text.strip(), config=config, client_id=client_id)
    if claims["sub"] != sub:
        raise ProConnectError("userinfo is about another subject than the ID token")
    return claims
