"""Secrets never show: not in a repr, a str, a log line or an exception, whatever goes wrong."""

from __future__ import annotations

import base64
import logging
import pickle
import traceback

import pytest
import requests
from client_helpers import public_pem
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from kalshi_nb.client import KalshiClient, RetryPolicy
from kalshi_nb.errors import KalshiError

KEY_ID = "5c1e7d2a-93f4-4b8e-a1c0-7f3d9e2b9a0b"


@pytest.fixture
def secret_setup(sb, tmp_path):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    der = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    path = tmp_path / "very-secret-dir" / "my-kalshi-key.pem"
    path.parent.mkdir()
    path.write_bytes(pem)
    sb.register_key(KEY_ID, public_pem(key))
    return key, pem.decode(), base64.b64encode(der).decode(), str(path)


def forbidden(pem: str, der_b64: str, path: str, signatures: list[str]) -> list[str]:
    body_lines = pem.strip().splitlines()[1:-1]
    return [
        *body_lines,
        der_b64[:48],
        der_b64[-48:],
        path,
        "my-kalshi-key",
        "very-secret-dir",
        KEY_ID,
        *signatures,
    ]


def test_nothing_secret_leaks(sb, secret_setup, caplog: pytest.LogCaptureFixture) -> None:
    _key, pem, der_b64, path = secret_setup
    caplog.set_level(logging.DEBUG)  # every logger, urllib3 included
    session = requests.Session()
    signatures: list[str] = []
    session.hooks["response"].append(
        lambda r, *a, **k: signatures.append(r.request.headers.get("KALSHI-ACCESS-SIGNATURE", ""))
    )
    client = KalshiClient(
        key_id=KEY_ID,
        private_key_path=path,
        api_base=sb.url,
        session=session,
        rate_limit=None,
        retry=RetryPolicy(max_attempts=2, backoff_base=0.01, total_time=5),
    )
    texts = [repr(client), str(client), repr(client._auth), str(client._auth)]

    client.get_balance()  # a success, logged at DEBUG
    errors: list[BaseException] = []
    for call in (
        lambda: client.get_market("NOPE"),  # 404
        lambda: client.place_order("NOPE", "yes", 1, 1),  # 404 on the market read
        lambda: client._request("POST", "/portfolio/orders", json_body={}),  # V1 path
        lambda: KalshiClient(
            key_id="wrong-" + KEY_ID,
            private_key_path=path,  # 401
            api_base=sb.url,
            rate_limit=None,
        ).get_balance(),
        lambda: KalshiClient(
            key_id=KEY_ID,
            private_key_path=path,
            rate_limit=None,  # connection refused
            api_base="http://127.0.0.1:9/trade-api/v2",
            retry=RetryPolicy(max_attempts=1),
        ).get_balance(),
        lambda: KalshiClient(key_id=KEY_ID, private_key_path=path + ".missing"),  # key file missing
        lambda: pickle.dumps(client),
    ):
        with pytest.raises((KalshiError, requests.RequestException, TypeError)) as info:
            call()
        errors.append(info.value)
    sb.faults.script(["500", "500"], methods=["GET"], path=r"/portfolio/balance$")
    with pytest.raises(KalshiError) as info:
        client.get_balance()
    errors.append(info.value)

    for err in errors:
        texts += [str(err), repr(err), "".join(traceback.format_exception(err))]
    texts += [r.getMessage() for r in caplog.records]
    texts += [str(r.args) for r in caplog.records]

    signatures = [s for s in signatures if s and s != "<redacted>"]
    assert len(signatures) >= 6
    haystack = "\n".join(texts)
    for needle in forbidden(pem, der_b64, path, signatures):
        assert needle not in haystack, f"leaked: {needle[:30]}..."
    # the request that travels on an error (e.request, e.response.request) no longer carries its signature
    sent = [
        dict(r.headers)
        for e in errors
        for r in (getattr(e, "request", None), getattr(getattr(e, "response", None), "request", None))
        if r is not None
    ]
    assert len(sent) >= 6
    assert all(h.get("KALSHI-ACCESS-SIGNATURE") in (None, "<redacted>") for h in sent)
    assert not any(sig in repr(sent) for sig in signatures)
    # the key id may appear only redacted
    assert "5c1e…9a0b" in repr(client)


def test_auth_repr_is_redacted(keys) -> None:
    from kalshi_nb.auth import KalshiAuth

    auth = KalshiAuth(KEY_ID, keys.rsa)
    assert repr(auth) == "<KalshiAuth key=5c1e…9a0b rsa-2048>"
    with pytest.raises(TypeError):
        pickle.dumps(auth)
