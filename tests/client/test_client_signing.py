"""Signing, checked with cryptography's own verify over messages built by hand."""

from __future__ import annotations

import base64

import pytest
import requests
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from kalshi_nb.auth import KalshiAuth
from kalshi_nb.client import KalshiClient

PSS_32 = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)


def verify_rsa(public_key, signature_b64: str, message: str) -> None:
    raw = base64.b64decode(signature_b64, validate=True)  # standard alphabet, padded
    public_key.verify(raw, message.encode(), PSS_32, hashes.SHA256())


def test_sign_request_matches_the_documented_message(keys) -> None:
    client = KalshiClient(key_id="k", private_key=keys.rsa, api_base="http://127.0.0.1:1/trade-api/v2")
    sig = client._sign_request("GET", "/trade-api/v2/portfolio/balance", "1703123456789")
    # the documented example message (DOC-auth), typed out by hand
    verify_rsa(keys.rsa.public_key(), sig, "1703123456789GET/trade-api/v2/portfolio/balance")
    with pytest.raises(InvalidSignature):
        verify_rsa(keys.rsa.public_key(), sig, "1703123456789GET/portfolio/balance")
    assert len(base64.b64decode(sig)) == 256  # RSA-2048


def test_salt_length_is_the_digest_length(keys) -> None:
    client = KalshiClient(key_id="k", private_key=keys.rsa, api_base="http://127.0.0.1:1/trade-api/v2")
    sig = base64.b64decode(client._sign_request("POST", "/trade-api/v2/portfolio/events/orders", 1))
    msg = b"1POST/trade-api/v2/portfolio/events/orders"
    keys.rsa.public_key().verify(sig, msg, PSS_32, hashes.SHA256())
    wrong_salt = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=64)
    with pytest.raises(InvalidSignature):
        keys.rsa.public_key().verify(sig, msg, wrong_salt, hashes.SHA256())


def test_method_is_uppercased_and_query_dropped(keys) -> None:
    client = KalshiClient(key_id="k", private_key=keys.rsa, api_base="http://127.0.0.1:1/trade-api/v2")
    sig = client._sign_request("get", "/trade-api/v2/portfolio/orders?limit=5", "42")
    verify_rsa(keys.rsa.public_key(), sig, "42GET/trade-api/v2/portfolio/orders")


def test_ed25519_signs_the_same_message(keys) -> None:
    client = KalshiClient(key_id="k", private_key=keys.ed25519, api_base="http://127.0.0.1:1/trade-api/v2")
    sig = client._sign_request("DELETE", "/trade-api/v2/portfolio/events/orders/abc", "1700000000000")
    keys.ed25519.public_key().verify(
        base64.b64decode(sig), b"1700000000000DELETE/trade-api/v2/portfolio/events/orders/abc"
    )


def test_auth_object_signs_the_prepared_path_without_query(keys) -> None:
    ticks = iter([1700000000.123, 1700000000.456])
    auth = KalshiAuth("key-id", keys.rsa, clock=lambda: next(ticks))
    req = requests.Request(
        "GET",
        "http://127.0.0.1:9/trade-api/v2/markets/KX%2FA/orderbook",
        params={"depth": 5, "x": "a b"},
        auth=auth,
    ).prepare()
    assert req.headers["KALSHI-ACCESS-KEY"] == "key-id"
    assert req.headers["KALSHI-ACCESS-TIMESTAMP"] == "1700000000123"  # milliseconds
    # the percent-encoded path exactly as sent, no host, no query
    verify_rsa(
        keys.rsa.public_key(),
        req.headers["KALSHI-ACCESS-SIGNATURE"],
        "1700000000123GET/trade-api/v2/markets/KX%2FA/orderbook",
    )
    # preparing again (a retry) takes a fresh timestamp and signature
    again = requests.Request("GET", "http://127.0.0.1:9/trade-api/v2/markets", auth=auth).prepare()
    assert again.headers["KALSHI-ACCESS-TIMESTAMP"] == "1700000000456"
    verify_rsa(
        keys.rsa.public_key(),
        again.headers["KALSHI-ACCESS-SIGNATURE"],
        "1700000000456GET/trade-api/v2/markets",
    )


def test_read_only_client_cannot_sign() -> None:
    from kalshi_nb.errors import ReadOnlyError

    with pytest.raises(ReadOnlyError):
        KalshiClient.read_only()._sign_request("GET", "/trade-api/v2/portfolio/balance", 1)
