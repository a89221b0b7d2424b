"""Case 5: the floor, a JWT token fetch with the least code possible.

Prepared once: the decrypted private key, the base64url header, the
url-encoded fixed form fields and a kept-alive urllib3 PoolManager. Per fetch:
new claims (new jti, exp), cryptography's RSA PKCS#1 v1.5 SHA-256 signature,
one POST, json.loads. No validation, no retries, no locks, no storage.
"""

from __future__ import annotations

import base64
import json
import os
import time
from typing import Any
from urllib.parse import quote, urlencode

AUDIENCE = "https://api.box.com/oauth2/token"
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"


def _b64(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


class Floor:
    def __init__(self, emu: Any, fx: Any) -> None:
        import urllib3
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding
        from cryptography.hazmat.primitives.serialization import load_pem_private_key

        passphrase = fx.passphrase.encode() if fx.passphrase else None
        self._key = load_pem_private_key(fx.private_key_pem.encode(), password=passphrase)
        self._padding = padding.PKCS1v15()
        self._hash = hashes.SHA256()
        head = {"alg": "RS256", "typ": "JWT", "kid": fx.key_id}
        self._head = _b64(json.dumps(head, separators=(",", ":")).encode()) + b"."
        self._iss = fx.client_id
        self._sub = str(fx.enterprise_id)
        self._url = emu.base_url.rstrip("/") + "/oauth2/token"
        self._prefix = ("grant_type=" + quote(JWT_GRANT, safe="") + "&assertion=").encode()
        self._suffix = (
            "&" + urlencode({"client_id": fx.client_id, "client_secret": fx.client_secret})
        ).encode()
        self._headers = {"Content-Type": "application/x-www-form-urlencoded"}
        self._pool = urllib3.PoolManager(
            maxsize=1, retries=False, timeout=urllib3.Timeout(connect=5.0, read=15.0)
        )

    def fetch(self) -> str:
        claims = {
            "iss": self._iss,
            "sub": self._sub,
            "box_sub_type": "enterprise",
            "aud": AUDIENCE,
            "jti": os.urandom(16).hex(),
            "exp": int(time.time()) + 30,
        }
        signing_input = self._head + _b64(json.dumps(claims, separators=(",", ":")).encode())
        signature = self._key.sign(signing_input, self._padding, self._hash)
        body = self._prefix + signing_input + b"." + _b64(signature) + self._suffix
        resp = self._pool.request(
            "POST", self._url, body=body, headers=self._headers, redirect=False
        )
        token: str = json.loads(resp.data)["access_token"]
        return token

    def close(self) -> None:
        self._pool.clear()
