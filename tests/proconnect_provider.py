"""A local ProConnect for the tests: oidc-provider-mock (a real OpenID Connect provider, built on
authlib) served on 127.0.0.1 in a thread, made to answer as ProConnect does:

- userinfo is a JWT signed with the provider's key (`application/jwt`), with `iss` and `aud`;
- the authorisation request must carry a `nonce`, and PKCE is enforced at the token endpoint;
- the end-session endpoint checks `id_token_hint`, ends the ProConnect session and redirects to
  `post_logout_redirect_uri` with the `state`;
- `misbehave(...)` makes the next answers wrong the way a broken or hostile provider would be
  (foreign signature, other `nonce`, expired ID token, other `aud`, tampered or JSON userinfo),
  and `down` answers 503 to everything.

The portal's client code is never mocked: it talks HTTP to this provider. Also runnable by hand,
for `make run` against it (README, "ProConnect"):

    .venv/bin/python -m tests.proconnect_provider --port 8765
"""

import argparse
import base64
import hashlib
import json
import logging
import os
import threading
import time
import warnings
from datetime import timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

# The provider speaks plain HTTP on the loopback interface.
os.environ.setdefault("AUTHLIB_INSECURE_TRANSPORT", "1")

# authlib sets its deprecation warnings to "always" when imported; oidc-provider-mock raises some.
from authlib.deprecate import AuthlibDeprecationWarning

warnings.filterwarnings("ignore", category=AuthlibDeprecationWarning)

import flask  # noqa: E402
import jinja2  # noqa: E402
import jwt  # noqa: E402
import oidc_provider_mock  # noqa: E402
import requests  # noqa: E402
import werkzeug.serving  # noqa: E402
from authlib.integrations.flask_oauth2 import current_token  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec, rsa  # noqa: E402
from oidc_provider_mock import _app as mock  # noqa: E402  (its userinfo is replaced below)

CLIENT_ID = "ilot-portail-test"
CLIENT_SECRET = "secret-du-fournisseur-de-test-local-uniquement"
SCOPES = ["openid", "email", "given_name", "usual_name", "uid", "siret", "idp_id"]
EC_KID = "ilot-test-es256"
BASE_TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ProConnect (local test provider)</title></head>
<body><main>{% block content %}{{ content }}{% endblock %}</main></body></html>
"""


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def agent_claims(email, *, given_name="Camille", usual_name="Martin", siret="", amr=("pwd",)):
    """Claims of a state agent as ProConnect gives them."""
    return {
        "email": email,
        "given_name": given_name,
        "usual_name": usual_name,
        "uid": email.split("@")[0],
        "siret": siret,
        "idp_id": "fia1v2",
        "amr": list(amr),
    }


class LocalProConnect:
    def __init__(self, host="127.0.0.1", port=0):
        self.host, self.port = host, port
        self.app = oidc_provider_mock.app(
            require_nonce=True,
            issue_refresh_token=False,
            access_token_max_age=timedelta(minutes=1),
        )
        self.down = False
        self.tamper = {}
        self.sessions = set()  # subjects signed in at this ProConnect
        self.ended = []  # the end-session requests received
        self._challenges = {}  # authorisation code → PKCE code_challenge
        self._clients = {}  # access token → client id (the userinfo JWT's `aud`)
        self._ec_key = ec.generate_private_key(ec.SECP256R1())
        self._server = None
        self._thread = None
        self._wrap_views()
        # The mock's pages load a stylesheet from a CDN: never from the tests (no network).
        self.app.jinja_env.loader = jinja2.ChoiceLoader(
            [jinja2.DictLoader({"_base.html": BASE_TEMPLATE}), self.app.jinja_env.loader]
        )

    # --- running ------------------------------------------------------------------------------

    def start(self, *, quiet=True):
        if quiet:  # one log line per request otherwise
            logging.getLogger("werkzeug").setLevel(logging.WARNING)
        self._server = werkzeug.serving.make_server(self.host, self.port, self._wsgi, threaded=True)
        self.port = self._server.server_port
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.1,))
        self._thread.daemon = True
        self._thread.start()
        return self

    def stop(self):
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    @property
    def url(self):
        return f"http://{self.host}:{self.port}"

    @property
    def discovery_url(self):
        return f"{self.url}/.well-known/openid-configuration"

    def socialaccount_providers(self):
        """SOCIALACCOUNT_PROVIDERS pointing at this provider, as settings/base.py builds it from
        the PROCONNECT_* variables."""
        return {
            "proconnect": {
                "APPS": [
                    {
                        "provider_id": "proconnect",
                        "name": "ProConnect",
                        "client_id": CLIENT_ID,
                        "secret": CLIENT_SECRET,
                        "settings": {"server_url": self.discovery_url, "scope": SCOPES},
                    }
                ]
            }
        }

    def reset(self):
        self.down = False
        self.tamper = {}
        self.sessions.clear()
        self.ended.clear()

    def add_user(self, sub, **claims):
        """Register (or replace) an identity, through the mock's own HTTP API."""
        requests.put(f"{self.url}/users/{sub}", json=claims, timeout=5).raise_for_status()

    def misbehave(self, **tamper):
        """id_token_claims / userinfo_claims: claims overwritten (then signed again);
        id_token_foreign_key: the ID token signed by another key under the same `kid`;
        id_token_alg="HS256": signed with the client secret; userinfo_tampered: claims changed
        after signing; userinfo_json: plain JSON; userinfo_alg="ES256": signed with an EC key."""
        self.tamper = tamper

    # --- what makes it ProConnect -------------------------------------------------------------

    def _wsgi(self, environ, start_response):
        if self.down:
            start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
            return [b"ProConnect est en maintenance."]
        return self.app(environ, start_response)

    def _rsa_key(self):
        jwk = mock.storage.jwk.as_dict(is_private=True)
        return jwk["kid"], jwt.PyJWK(jwk, algorithm="RS256").key

    def _sign(self, claims, *, algorithm="RS256", foreign=False):
        kid, key = self._rsa_key()
        if algorithm == "ES256":
            kid, key = EC_KID, self._ec_key
        elif algorithm == "HS256":
            key = CLIENT_SECRET
        elif foreign:
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return jwt.encode(claims, key, algorithm=algorithm, headers={"kid": kid})

    def _wrap_views(self):
        views = self.app.view_functions
        authorize = views["oidc-provider-mock.authorize"]
        issue_token = views["oidc-provider-mock.issue_token"]
        jwks = views["oidc-provider-mock.jwks"]

        def authorize_keeping_pkce():
            response = flask.make_response(authorize())
            location = response.headers.get("Location", "")
            code = parse_qs(urlsplit(location).query).get("code", [None])[0]
            if flask.request.method == "POST" and code:
                self._challenges[code] = flask.request.args.get("code_challenge")
                self.sessions.add(flask.request.form["sub"])
            return response

        def token_with_pkce():
            form = flask.request.form
            if form.get("grant_type") == "authorization_code":
                challenge = self._challenges.pop(form.get("code"), None)
                verifier = form.get("code_verifier", "")
                if (
                    not challenge
                    or _b64url(hashlib.sha256(verifier.encode()).digest()) != challenge
                ):
                    return flask.jsonify(error="invalid_grant", error_description="PKCE"), 400
            response = flask.make_response(issue_token())
            if response.status_code == 200:
                data = response.get_json()
                self._clients[data["access_token"]] = form.get("client_id")
                data["id_token"] = self._id_token(data["id_token"])
                response.set_data(json.dumps(data))
            return response

        @mock.require_oauth()
        def signed_userinfo():
            user = current_token.get_user()
            claims = {key: value for key, value in user.claims.items() if key != "amr"}
            claims.update(
                sub=user.sub,
                iss=flask.request.host_url.rstrip("/"),
                aud=self._clients.get(current_token.token, ""),
            )
            claims.update(self.tamper.get("userinfo_claims", {}))
            if self.tamper.get("userinfo_json"):
                return flask.jsonify(claims)
            token = self._sign(claims, algorithm=self.tamper.get("userinfo_alg", "RS256"))
            if "userinfo_tampered" in self.tamper:
                header, _payload, signature = token.split(".")
                changed = {**claims, **self.tamper["userinfo_tampered"]}
                token = ".".join([header, _b64url(json.dumps(changed).encode()), signature])
            return flask.Response(token, content_type="application/jwt")

        def jwks_with_ec_key():
            keys = json.loads(flask.make_response(jwks()).get_data())
            ec_jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(self._ec_key.public_key()))
            keys["keys"].append({**ec_jwk, "kid": EC_KID, "use": "sig", "alg": "ES256"})
            return flask.jsonify(keys)

        def end_session():
            """ProConnect's logout: the ID token must be the provider's; the session ends; back
            to the service with its `state` (303)."""
            args = flask.request.args
            _kid, key = self._rsa_key()
            try:
                claims = jwt.decode(
                    args.get("id_token_hint", ""),
                    key.public_key(),
                    algorithms=["RS256"],
                    options={"verify_aud": False, "verify_exp": False},
                )
            except jwt.PyJWTError:
                return "id_token_hint invalide", 400
            self.sessions.discard(claims["sub"])
            self.ended.append({"sub": claims["sub"], **args.to_dict()})
            target = args["post_logout_redirect_uri"]
            return flask.redirect(f"{target}?{urlencode({'state': args['state']})}", code=303)

        views["oidc-provider-mock.authorize"] = authorize_keeping_pkce
        views["oidc-provider-mock.issue_token"] = token_with_pkce
        views["oidc-provider-mock.userinfo"] = signed_userinfo
        views["oidc-provider-mock.jwks"] = jwks_with_ec_key
        views["oidc-provider-mock.end_session"] = end_session

    def _id_token(self, raw):
        """The mock's ID token, or a broken one when asked (`misbehave`)."""
        if not self.tamper.keys() & {"id_token_claims", "id_token_foreign_key", "id_token_alg"}:
            return raw
        claims = jwt.decode(raw, options={"verify_signature": False})
        claims.update(self.tamper.get("id_token_claims", {}))
        return self._sign(
            claims,
            algorithm=self.tamper.get("id_token_alg", "RS256"),
            foreign=self.tamper.get("id_token_foreign_key", False),
        )


def expired_claims():
    now = int(time.time())
    return {"iat": now - 7200, "exp": now - 3600}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO)
    provider = LocalProConnect(port=args.port).start(quiet=False)
    print(
        f"Local ProConnect on {provider.url}. Run the portal with:\n"
        f"  PROCONNECT_DISCOVERY_URL={provider.discovery_url} PROCONNECT_CLIENT_ID={CLIENT_ID} "
        f"PROCONNECT_CLIENT_SECRET={CLIENT_SECRET} make run\n"
        "On its page, type the email of an invited account as the identity (`sub`): an unknown "
        "identity gets that email as its only claim. Ctrl-C to stop."
    )
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        provider.stop()


if __name__ == "__main__":
    main()
