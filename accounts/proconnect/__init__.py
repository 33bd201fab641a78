"""Sign in with ProConnect, the French state's OpenID Connect federation for its agents.

A django-allauth provider (allauth keeps the sessions, rate limits, MFA stages and the link
between an account and an identity) extended where ProConnect differs from a generic OpenID
provider:

- `provider.py`: the authorisation code flow with PKCE, `state` (≥ 32 characters) and `nonce`;
  the ID token and the userinfo — a signed JWT, not JSON — verified with the provider's keys
  (`jwt.py`); the `amr` claim asked for.
- `policy.py`: which account a ProConnect identity signs into (the `sub` once linked, else the
  verified email of an invited account), why it is refused, and when ProConnect's multi-factor
  login stands for the portal's MFA.
- `adapter.py`: allauth's hooks (refusals and errors become French pages, never a 500).
- `views.py`: the account page (link, unlink, last sign-ins) and the logout through ProConnect's
  `end_session_endpoint`.
- `signals.py`: the access journal (`accounts.models.LoginEvent`) and the ID token kept in the
  session for the logout.
"""
