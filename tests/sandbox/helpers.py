"""Shared helpers for the sandbox HTTP tests: throwaway keys and request signing done with `cryptography`
directly (never with kalshi_nb's client), so a signing bug on either side cannot hide the other's."""

from __future__ import annotations

import base64
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import requests
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

from kalshi_nb.sandbox import Sandbox

PREFIX = "/trade-api/v2"
PrivateKey = rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey


def new_rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def new_ed25519_key() -> ed25519.Ed25519PrivateKey:
    return ed25519.Ed25519PrivateKey.generate()


def public_pem(key: PrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def load_private_key(path: str) -> PrivateKey:
    with open(path, "rb") as fh:
        key = serialization.load_pem_private_key(fh.read(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey)
    return key


def now_ms() -> int:
    return int(time.time() * 1000)


def sign(key: PrivateKey, message: str, *, salt_length: int | None = None) -> str:
    """base64 of the signature of ``message``: RSA-PSS SHA-256 (salt 32 unless given) or Ed25519."""
    data = message.encode()
    if isinstance(key, ed25519.Ed25519PrivateKey):
        raw = key.sign(data)
    else:
        salt = padding.PSS.DIGEST_LENGTH if salt_length is None else salt_length
        raw = key.sign(
            data, padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=salt), hashes.SHA256()
        )
    return base64.b64encode(raw).decode()


def auth_headers(
    key: PrivateKey,
    key_id: str,
    method: str,
    path: str,
    *,
    ts: int | str | None = None,
    signed_message: str | None = None,
    salt_length: int | None = None,
) -> dict[str, str]:
    """The three KALSHI-ACCESS-* headers for ``method path`` (path from the host root, no query).

    ``signed_message`` replaces the documented ``ts + METHOD + path`` to reproduce client mistakes.
    """
    ts_text = str(now_ms() if ts is None else ts)
    message = signed_message if signed_message is not None else f"{ts_text}{method.upper()}{path}"
    return {
        "KALSHI-ACCESS-KEY": key_id,
        "KALSHI-ACCESS-TIMESTAMP": ts_text,
        "KALSHI-ACCESS-SIGNATURE": sign(key, message, salt_length=salt_length),
    }


class Signer:
    """Sends signed requests to a sandbox with one key (a tiny stand-in for a real client)."""

    def __init__(
        self,
        sb: Sandbox,
        key: PrivateKey | None = None,
        key_id: str | None = None,
        session: requests.Session | None = None,
    ) -> None:
        self.sb = sb
        self.key = key if key is not None else load_private_key(sb.private_key_path)
        self.key_id = key_id if key_id is not None else sb.key_id
        self.session = session

    def request(
        self,
        method: str,
        endpoint: str,
        *,
        params: dict | None = None,
        json: object = None,
        data: bytes | str | None = None,
        timeout: float = 10,
        **kw: object,
    ) -> requests.Response:
        path = PREFIX + endpoint
        headers = auth_headers(self.key, self.key_id, method, path)
        headers.update(kw.pop("headers", {}) or {})  # type: ignore[arg-type]
        send = self.session.request if self.session is not None else requests.request
        return send(
            method,
            self.sb.root_url + path,
            params=params,
            json=json,
            data=data,
            headers=headers,
            timeout=timeout,
            allow_redirects=False,
            **kw,
        )  # type: ignore[arg-type]

    def get(self, endpoint: str, **kw: object) -> requests.Response:
        return self.request("GET", endpoint, **kw)  # type: ignore[arg-type]

    def post(self, endpoint: str, **kw: object) -> requests.Response:
        return self.request("POST", endpoint, **kw)  # type: ignore[arg-type]

    def delete(self, endpoint: str, **kw: object) -> requests.Response:
        return self.request("DELETE", endpoint, **kw)  # type: ignore[arg-type]


def assert_kalshi_error(
    resp: requests.Response, status: int, *, code: str | None = None, mentions: str | None = None
) -> dict:
    """Assert Kalshi's ``{"error": {"code", "message", "details"}}`` shape and return the inner object."""
    assert resp.status_code == status, (resp.status_code, resp.text[:500])
    body = resp.json()
    assert set(body) == {"error"}, body
    err = body["error"]
    assert {"code", "message", "details"} <= set(err), err
    assert all(isinstance(err[k], str) for k in ("code", "message", "details")), err
    if code is not None:
        assert err["code"] == code, err
    if mentions is not None:
        assert mentions.lower() in err["message"].lower(), err["message"]
    return err


def live_market_ticker(sb: Sandbox) -> str:
    """A ticker of an open market (from the exchange directly, not through HTTP)."""
    markets = sb.exchange.markets(status="open")
    assert markets, "the default data set has open markets"
    return markets[0]["ticker"]


@contextmanager
def sandbox(**kw: object) -> Iterator[Sandbox]:
    """A small sandbox without rate limits unless asked for."""
    kw.setdefault("rate_limit", None)
    with Sandbox(**kw) as sb:  # type: ignore[arg-type]
        yield sb


def order_body(ticker: str, **overrides: object) -> dict:
    """A V2 create-order body that rests without crossing: bid 1 contract at $0.01 (below any ask)."""
    body = {
        "ticker": ticker,
        "client_order_id": str(uuid.uuid4()),
        "side": "bid",
        "count": "1.00",
        "price": "0.0100",
        "time_in_force": "good_till_canceled",
        "self_trade_prevention_type": "taker_at_cross",
    }
    body.update(overrides)
    return body


def my_client_order_ids(signer: Signer, ticker: str) -> set[str]:
    resp = signer.get("/portfolio/orders", params={"ticker": ticker, "limit": 1000})
    assert resp.status_code == 200, resp.text
    return {o.get("client_order_id") for o in resp.json()["orders"]}
