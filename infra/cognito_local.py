"""API Gateway's Cognito authorizer, enforced in front of `chalice local`.

On AWS and on the emulator, a route behind the API's `CognitoAuth` authorizer
(infra/template.yaml: the API's DefaultAuthorizer; public routes say `Authorizer: NONE`)
runs its function only for a valid IdToken of the stack's user pool, and hands the
function the token's claims. Stock `chalice local` decodes Cognito tokens without
verifying them; this module verifies them as the gateway does, and then some:

* the token is the `Authorization` header, raw or as `Bearer <token>`;
* its signature is RS256 (no other algorithm is accepted) by a key of the pool's JWKS,
  fetched with `requests` (TLS verified with the emulator's CA bundle), kept for
  `lifespan` seconds and fetched again early, at most every `refetch_after` seconds,
  when a token names a key id it does not hold (the pool rotated its keys);
* `exp` is required and in the future, `nbf` and `iat` (when present) not in the future,
  no leeway; `iss` is exactly `https://cognito-idp.{region}.amazonaws.com/{poolId}`;
* `token_use` is "id" and `aud` is the stack's app client id.

The last rule is stricter than the gateway, which checks the pool but not the app client
and also accepts the pool's access tokens: the API's contract is the IdToken (the
template's authorizer says so), the functions read its `email` claim, which an access
token does not carry, and a token of another app client is not this shop's. Locally
such tokens are refused like any other invalid one.

A refused request is answered as API Gateway answers it, before the API key check and
before any handler: 401 `{"message":"Unauthorized"}`. An accepted one reaches its
handler with `requestContext.authorizer.claims`, every value a string, rendered as the
emulator renders them (a list as "[a b]"; shared.caller reads that and AWS's "a,b").

Installed only by app.py for the `local` stage (SHOP_STACK_FILE set); in-process tests
install it on an app of their own with keys they generate (tests/unit/tokens.py).
"""
from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import jwt

UNAUTHORIZED = (401, {"message": "Unauthorized"})
ALGORITHMS = ["RS256"]
# Claims every accepted token has; PyJWT refuses a token missing any of them.
REQUIRED_CLAIMS = ["exp", "iat", "iss", "sub", "token_use", "aud"]

Clock = Callable[[], float]  # seconds since the epoch, like time.time
JwksSource = Callable[[], Mapping[str, Any]]  # the pool's JWKS document, {"keys": [...]}


class InvalidToken(Exception):
    """The token is missing, malformed, or not one this pool signed for this client."""


def issuer_of(pool_id: str) -> str:
    """The `iss` Cognito stamps on a pool's tokens; the region is the pool id's prefix."""
    region, _, _ = pool_id.partition("_")
    return f"https://cognito-idp.{region}.amazonaws.com/{pool_id}"


def token_from_header(value: str | None) -> str:
    """The JWT in an Authorization header: the raw token or `Bearer <token>`, as API Gateway takes it."""
    token = (value or "").strip()
    scheme, _, rest = token.partition(" ")
    if scheme.lower() == "bearer":
        token = rest.strip()
    if not token:
        raise InvalidToken("no token")
    return token


def emulator_jwks(endpoint: str, pool_id: str, ca_bundle: str | None, timeout: float = 10.0) -> JwksSource:
    """The pool's JWKS as the emulator serves it (`{endpoint}/{poolId}/.well-known/jwks.json`:
    only locally, not at the issuer URL), over TLS verified with the emulator's CA."""
    import requests

    url = f"{endpoint.rstrip('/')}/{pool_id}/.well-known/jwks.json"

    def fetch() -> Mapping[str, Any]:
        response = requests.get(url, timeout=timeout, verify=ca_bundle or True)
        response.raise_for_status()
        return response.json()

    return fetch


class JwksCache:
    """A pool's signing keys by key id: read once, kept `lifespan` seconds, read again early
    (at most every `refetch_after` seconds) for a key id it does not hold."""

    def __init__(self, source: JwksSource, *, lifespan: float = 300.0, refetch_after: float = 5.0,
                 clock: Clock = time.monotonic) -> None:
        self._source = source
        self._lifespan = lifespan
        self._refetch_after = refetch_after
        self._clock = clock
        self._keys: dict[str, jwt.PyJWK] = {}
        self._read_at: float | None = None
        self._lock = threading.Lock()

    def _read(self, now: float) -> None:
        try:
            document = self._source()
            keys = jwt.PyJWKSet.from_dict(dict(document)).keys
        except Exception as error:  # unreachable emulator, bad JSON, no usable key
            raise InvalidToken(f"the pool's keys could not be read: {error}") from error
        finally:
            self._read_at = now  # a failing source is not asked again on every request
        self._keys = {key.key_id: key for key in keys if key.key_id}

    def key(self, kid: str) -> jwt.PyJWK:
        with self._lock:
            now = self._clock()
            if self._read_at is None or now - self._read_at >= self._lifespan:
                self._read(now)
            elif kid not in self._keys and now - self._read_at >= self._refetch_after:
                self._read(now)
            if kid not in self._keys:
                raise InvalidToken(f"no key {kid!r} in the pool's JWKS")
            return self._keys[kid]


class CognitoVerifier:
    """Checks an IdToken of one user pool and app client; answers its claims."""

    def __init__(self, pool_id: str, client_id: str, keys: JwksCache) -> None:
        self.issuer = issuer_of(pool_id)
        self.client_id = client_id
        self._keys = keys

    def claims(self, authorization: str | None) -> dict[str, Any]:
        """The verified claims of the token in `authorization` (an Authorization header's
        value); InvalidToken for anything API Gateway (or this module's stricter rules) refuses."""
        token = token_from_header(authorization)
        try:
            header = jwt.get_unverified_header(token)
            kid = header.get("kid")
            if not isinstance(kid, str) or not kid:
                raise InvalidToken("the token names no key")
            claims = jwt.decode(
                token, self._keys.key(kid), algorithms=ALGORITHMS, audience=self.client_id,
                issuer=self.issuer, options={"require": REQUIRED_CLAIMS, "strict_aud": True},
            )
        except jwt.PyJWTError as error:
            raise InvalidToken(str(error)) from error
        if claims.get("token_use") != "id":
            raise InvalidToken(f"an IdToken is required, not token_use={claims.get('token_use')!r}")
        return claims


def gateway_claims(claims: Mapping[str, Any]) -> dict[str, str]:
    """Claims as API Gateway hands them to a function: every value a string (the emulator's
    rendering: a list space-joined in brackets, an object as JSON, a boolean lower case)."""
    rendered = {}
    for name, value in claims.items():
        if value is None:
            continue
        if isinstance(value, bool):
            rendered[name] = "true" if value else "false"
        elif isinstance(value, (list, tuple)):
            rendered[name] = "[" + " ".join(str(item) for item in value) + "]"
        elif isinstance(value, dict):
            rendered[name] = json.dumps(value, separators=(",", ":"))
        else:
            rendered[name] = str(value)
    return rendered


# ---------------------------------------------------------------- chalice


def install(app: Any, verifier: CognitoVerifier, authorized: Mapping[tuple[str, str], str]) -> None:
    """Put `verifier` in front of the routes of `app` in `authorized` ((path, METHOD) ->
    authorizer name). Registered before the usage plans' layer, it runs first, as the
    gateway's authorizer runs before its key check."""
    from chalice import Response

    @app.middleware("http")
    def cognito_authorizer(event: Any, get_response: Callable[[Any], Any]) -> Any:
        resource_path = event.context.get("resourcePath", event.path)
        if (resource_path, event.method) not in authorized:
            return get_response(event)
        try:
            claims = verifier.claims(event.headers.get("authorization"))
        except InvalidToken:
            status, body = UNAUTHORIZED
            return Response(body=json.dumps(body), status_code=status,
                            headers={"Content-Type": "application/json"})
        # The very dict the handler's event is built from (Request.to_original_event).
        event.context["authorizer"] = {"claims": gateway_claims(claims)}
        return get_response(event)


def authorized_routes(routes: Any) -> dict[tuple[str, str], str]:
    """(path, METHOD) -> authorizer, for the routes (infra.template.Route) that have one."""
    return {(route.path, route.method): route.authorizer for route in routes if route.authorizer}


def install_local_authorizer(app: Any, stack_file: Path, routes: Any) -> CognitoVerifier:
    """The `local` stage: the stack's user pool and app client, keys from the emulator."""
    stack = json.loads(stack_file.read_text())
    outputs = stack["outputs"]
    pool_id, client_id = outputs["UserPoolId"], outputs["UserPoolClientId"]
    verifier = CognitoVerifier(
        pool_id, client_id, JwksCache(emulator_jwks(stack["endpoint"], pool_id, stack.get("ca_bundle"))))
    install(app, verifier, authorized_routes(routes))
    return verifier
