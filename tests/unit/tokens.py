"""A user pool of the tests' own: RSA keys generated here, tokens signed as Cognito signs them.

`TestPool().verifier()` is an infra.cognito_local.CognitoVerifier over the pool's JWKS
(no network); `pool.id_token(...)` a valid IdToken for its app client, any claim
overridable; `pool.install(app)` puts the verifier in front of an app's authorized routes,
so an in-process test sends `Authorization: <token>` and its handler gets the claims.
"""
from __future__ import annotations

import time
import uuid
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

from infra.cognito_local import CognitoVerifier, JwksCache, authorized_routes, install, issuer_of


class TestPool:
    __test__ = False  # not a pytest test class

    def __init__(self, pool_id: str = "us-east-1_TestPool1", client_id: str = "test-client-id") -> None:
        self.pool_id, self.client_id = pool_id, client_id
        self.issuer = issuer_of(pool_id)
        self.kid = f"key-{uuid.uuid4().hex[:8]}"
        self.private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.jwks_reads = 0

    def jwks(self) -> dict[str, Any]:
        self.jwks_reads += 1
        public = jwt.algorithms.RSAAlgorithm.to_jwk(self.private_key.public_key(), as_dict=True)
        return {"keys": [{**public, "kid": self.kid, "alg": "RS256", "use": "sig"}]}

    def verifier(self) -> CognitoVerifier:
        return CognitoVerifier(self.pool_id, self.client_id, JwksCache(self.jwks))

    def claims(self, *, sub: str | None = None, email: str = "ada@example.com",
               groups: list[str] | None = None, token_use: str = "id", lifetime: int = 3600,
               **overrides: Any) -> dict[str, Any]:
        now = int(time.time())
        claims: dict[str, Any] = {
            "sub": sub or str(uuid.uuid4()), "email": email, "email_verified": True,
            "iss": self.issuer, "token_use": token_use, "auth_time": now, "iat": now,
            "exp": now + lifetime, "jti": str(uuid.uuid4()), "cognito:username": email,
        }
        if token_use == "id":
            claims["aud"] = self.client_id
        else:
            claims.update(client_id=self.client_id, scope="aws.cognito.signin.user.admin")
        if groups:
            claims["cognito:groups"] = groups
        claims.update(overrides)
        return {name: value for name, value in claims.items() if value is not None}

    def sign(self, claims: dict[str, Any], *, key: Any = None, kid: str | None = None,
             algorithm: str = "RS256") -> str:
        return jwt.encode(claims, key or self.private_key, algorithm=algorithm,
                          headers={"kid": kid or self.kid})

    def id_token(self, **claims: Any) -> str:
        return self.sign(self.claims(**claims))

    def install(self, app: Any) -> CognitoVerifier:
        from infra.template import routes

        verifier = self.verifier()
        install(app, verifier, authorized_routes(routes()))
        return verifier
