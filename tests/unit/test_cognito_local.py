"""infra/cognito_local.py refuses what API Gateway's Cognito authorizer refuses (and the
tokens of other app clients and access tokens: the API takes IdTokens), and hands on the
claims of the rest as the gateway does. Keys generated here (tests/unit/tokens.py)."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from infra.cognito_local import (
    CognitoVerifier,
    InvalidToken,
    JwksCache,
    emulator_jwks,
    gateway_claims,
    issuer_of,
    token_from_header,
)
from shared.caller import Caller, caller_from_claims
from tests.unit.tokens import TestPool


@pytest.fixture
def pool() -> TestPool:
    return TestPool()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _refused(verifier: CognitoVerifier, header: str | None) -> None:
    with pytest.raises(InvalidToken):
        verifier.claims(header)


def test_a_valid_id_token_gives_its_claims(pool):
    token = pool.id_token(sub="user-1", email="ada@example.com", groups=["admin"])

    claims = pool.verifier().claims(token)

    assert (claims["sub"], claims["email"], claims["cognito:groups"]) == ("user-1", "ada@example.com", ["admin"])
    assert (claims["iss"], claims["aud"], claims["token_use"]) == (pool.issuer, pool.client_id, "id")


@pytest.mark.parametrize("template", ["Bearer {}", "bearer {}", "  Bearer   {}  ", "{}"])
def test_the_token_is_taken_raw_or_as_a_bearer_token(pool, template):
    token = pool.id_token(sub="user-1")
    assert pool.verifier().claims(template.format(token))["sub"] == "user-1"


def test_the_issuer_is_the_pools_cognito_url():
    assert issuer_of("us-east-1_AbC123") == "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC123"
    assert issuer_of("eu-west-2_x") == "https://cognito-idp.eu-west-2.amazonaws.com/eu-west-2_x"


@pytest.mark.parametrize("header", [None, "", "   ", "Bearer", "Bearer ", "garbage", "a.b.c", "Basic dXNlcjpwYXNz",
                                    "eyJhbGciOiJSUzI1NiJ9.e30.", "...."])
def test_missing_or_garbage_is_refused(pool, header):
    _refused(pool.verifier(), header)


def test_an_expired_token_is_refused(pool):
    _refused(pool.verifier(), pool.sign(pool.claims(exp=int(time.time()) - 1)))


def test_a_token_without_exp_is_refused(pool):
    claims = pool.claims()
    del claims["exp"]
    _refused(pool.verifier(), pool.sign(claims))


@pytest.mark.parametrize("claim", ["nbf", "iat"])
def test_a_token_from_the_future_is_refused(pool, claim):
    _refused(pool.verifier(), pool.sign(pool.claims(**{claim: int(time.time()) + 600})))


def test_a_tampered_signature_is_refused(pool):
    header, payload, signature = pool.id_token().split(".")
    raw = bytearray(base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)))
    raw[10] ^= 0x01
    _refused(pool.verifier(), f"{header}.{payload}.{_b64(bytes(raw))}")


def test_an_edited_payload_is_refused(pool):
    header, payload, signature = pool.id_token(sub="customer", groups=["customers"]).split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["cognito:groups"] = ["admin"]
    _refused(pool.verifier(), f"{header}.{_b64(json.dumps(claims).encode())}.{signature}")


def test_a_token_of_another_pool_is_refused(pool):
    other = TestPool(pool_id="us-east-1_OtherPool", client_id=pool.client_id)
    # Signed by the other pool's key (which this pool's JWKS does not hold) ...
    _refused(pool.verifier(), other.id_token())
    # ... or even by this pool's key: the issuer names another pool.
    _refused(pool.verifier(), pool.sign(pool.claims(iss=other.issuer)))
    _refused(pool.verifier(), pool.sign(pool.claims(iss=pool.issuer + "/")))


def test_a_token_of_another_app_client_is_refused(pool):
    _refused(pool.verifier(), pool.id_token(aud="another-client"))
    _refused(pool.verifier(), pool.id_token(aud=[pool.client_id, "another-client"]))


def test_an_access_token_is_refused_the_api_takes_id_tokens(pool):
    # The gateway would take it; the API's contract is the IdToken (its email claim).
    _refused(pool.verifier(), pool.sign(pool.claims(token_use="access")))
    # Even one that carries this client as its audience.
    _refused(pool.verifier(), pool.sign(pool.claims(token_use="access", aud=pool.client_id)))


def test_a_key_the_jwks_does_not_hold_is_refused(pool):
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    _refused(pool.verifier(), pool.sign(pool.claims(), key=stranger))  # right kid, wrong key
    _refused(pool.verifier(), pool.sign(pool.claims(), kid="unknown-kid"))


def test_only_rs256_is_accepted(pool):
    public_pem = pool.private_key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    # HS256 keyed with the public key (the classic confusion), signed by hand: PyJWT
    # itself refuses to make one.
    signing_input = f"{_b64(json.dumps({'alg': 'HS256', 'kid': pool.kid}).encode())}." \
                    f"{_b64(json.dumps(pool.claims()).encode())}"
    mac = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
    unsigned = jwt.encode(pool.claims(), None, algorithm="none", headers={"kid": pool.kid})
    _refused(pool.verifier(), f"{signing_input}.{_b64(mac)}")
    _refused(pool.verifier(), unsigned)
    _refused(pool.verifier(), pool.sign(pool.claims(), algorithm="RS512"))


def test_the_jwks_is_read_once_and_again_for_an_unknown_key_id(pool):
    now = [0.0]
    cache = JwksCache(pool.jwks, lifespan=300, refetch_after=5, clock=lambda: now[0])
    verifier = CognitoVerifier(pool.pool_id, pool.client_id, cache)
    for _ in range(3):
        verifier.claims(pool.id_token())
    assert pool.jwks_reads == 1

    # The pool rotates its key: a token with the new kid makes the cache read again,
    # but not more than once every `refetch_after` seconds.
    old_kid, pool.kid = pool.kid, "rotated"
    pool.private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now[0] = 1.0
    _refused(verifier, pool.id_token())
    assert pool.jwks_reads == 1
    now[0] = 6.0
    assert verifier.claims(pool.id_token())["token_use"] == "id"
    assert pool.jwks_reads == 2
    _refused(verifier, pool.sign(pool.claims(), kid=old_kid))  # gone from the JWKS

    now[0] = 400.0  # past the lifespan: read again
    verifier.claims(pool.id_token())
    assert pool.jwks_reads == 3


def test_an_unreadable_jwks_refuses_rather_than_fails(pool):
    def broken() -> dict:
        raise ConnectionError("emulator down")

    verifier = CognitoVerifier(pool.pool_id, pool.client_id, JwksCache(broken))
    _refused(verifier, pool.id_token())
    verifier = CognitoVerifier(pool.pool_id, pool.client_id, JwksCache(lambda: {"keys": []}))
    _refused(verifier, pool.id_token())


def test_the_emulator_jwks_is_fetched_verifying_the_stacks_ca(monkeypatch):
    calls = []

    class Answer:
        def raise_for_status(self) -> None:
            pass

        def json(self) -> dict:
            return {"keys": []}

    def get(url, **kwargs):
        calls.append((url, kwargs))
        return Answer()

    monkeypatch.setattr("requests.get", get)
    emulator_jwks("https://localhost:4566/", "us-east-1_P", "/ca.pem")()
    emulator_jwks("http://localhost:4566", "us-east-1_P", None)()
    assert calls[0][0] == "https://localhost:4566/us-east-1_P/.well-known/jwks.json"
    assert calls[0][1]["verify"] == "/ca.pem"
    assert calls[1][1]["verify"] is True  # never switched off


def test_claims_reach_functions_as_strings_in_the_gateways_shape(pool):
    claims = pool.verifier().claims(pool.id_token(sub="user-1", email="ada@example.com", groups=["admin", "x"]))

    rendered = gateway_claims(claims)

    assert all(isinstance(value, str) for value in rendered.values())
    assert rendered["cognito:groups"] == "[admin x]"
    assert rendered["email_verified"] == "true"
    assert rendered["exp"] == str(claims["exp"])
    assert caller_from_claims(rendered) == Caller("user-1", "ada@example.com", frozenset({"admin", "x"}))


def test_a_customer_has_no_groups_claim(pool):
    rendered = gateway_claims(pool.verifier().claims(pool.id_token(sub="user-2")))
    assert "cognito:groups" not in rendered
    assert caller_from_claims(rendered).is_staff is False


def test_token_from_header():
    assert token_from_header("Bearer abc") == "abc"
    assert token_from_header("abc") == "abc"
    with pytest.raises(InvalidToken):
        token_from_header(None)


def test_the_local_stage_verifies_against_the_stacks_pool_and_client(tmp_path, monkeypatch, pool):
    from chalice import Chalice

    from infra.cognito_local import install_local_authorizer
    from infra.template import routes

    stack_file = tmp_path / "stack.json"
    stack_file.write_text(json.dumps({
        "endpoint": "https://localhost:4566", "ca_bundle": "/ca.pem",
        "outputs": {"UserPoolId": pool.pool_id, "UserPoolClientId": pool.client_id},
    }))
    fetched = []

    class Answer:
        def raise_for_status(self) -> None:
            pass

        def json(self) -> dict:
            return pool.jwks()

    monkeypatch.setattr("requests.get", lambda url, **kwargs: fetched.append((url, kwargs["verify"])) or Answer())
    app = Chalice(app_name="probe")

    verifier = install_local_authorizer(app, stack_file, routes())

    assert (verifier.issuer, verifier.client_id) == (pool.issuer, pool.client_id)
    assert verifier.claims(pool.id_token(sub="user-9"))["sub"] == "user-9"
    assert fetched == [(f"https://localhost:4566/{pool.pool_id}/.well-known/jwks.json", "/ca.pem")]
    assert [func.__name__ for func, _ in app.middleware_handlers] == ["cognito_authorizer"]
