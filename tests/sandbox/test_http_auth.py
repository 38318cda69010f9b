"""Signed requests over real HTTP: the documented form works (RSA and Ed25519); each usual mistake is a 401
whose message names the cause."""

from __future__ import annotations

import os
import stat
import time
import uuid

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import padding
from helpers import (
    PREFIX,
    Signer,
    assert_kalshi_error,
    auth_headers,
    load_private_key,
    new_ed25519_key,
    new_rsa_key,
    now_ms,
    public_pem,
)

BALANCE = PREFIX + "/portfolio/balance"


SANDBOX_SEED = 3


@pytest.fixture(scope="module")
def key(module_sb):
    return load_private_key(module_sb.private_key_path)


def get_balance(module_sb, headers: dict, *, query: str = "") -> requests.Response:
    return requests.get(module_sb.root_url + BALANCE + query, headers=headers, timeout=10)


def test_documented_rsa_signature_succeeds(module_sb, key):
    resp = get_balance(module_sb, auth_headers(key, module_sb.key_id, "GET", BALANCE))
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert isinstance(body["balance"], int)
    assert isinstance(body["balance_dollars"], str)


def test_documented_ed25519_signature_succeeds_for_a_registered_key(module_sb):
    ed_key = new_ed25519_key()
    key_id = str(uuid.uuid4())
    user_id = module_sb.register_key(key_id, public_pem(ed_key))
    assert user_id != module_sb.user_id
    resp = get_balance(module_sb, auth_headers(ed_key, key_id, "GET", BALANCE))
    assert resp.status_code == 200, resp.text


def test_query_string_is_sent_but_not_signed(module_sb, key):
    path = PREFIX + "/portfolio/orders"
    resp = requests.get(
        module_sb.root_url + path,
        params={"limit": 5},
        headers=auth_headers(key, module_sb.key_id, "GET", path),
        timeout=10,
    )
    assert resp.status_code == 200, resp.text
    assert isinstance(resp.json()["orders"], list)


@pytest.mark.parametrize(
    "missing", ["KALSHI-ACCESS-KEY", "KALSHI-ACCESS-TIMESTAMP", "KALSHI-ACCESS-SIGNATURE"]
)
def test_each_missing_header_is_named(module_sb, key, missing):
    headers = auth_headers(key, module_sb.key_id, "GET", BALANCE)
    del headers[missing]
    err = assert_kalshi_error(get_balance(module_sb, headers), 401, code="authentication_error")
    assert missing in err["message"]
    others = {"KALSHI-ACCESS-KEY", "KALSHI-ACCESS-TIMESTAMP", "KALSHI-ACCESS-SIGNATURE"} - {missing}
    assert not any(f"header(s) {o}" in err["message"] for o in others)


def test_no_headers_at_all_is_401(module_sb):
    assert_kalshi_error(get_balance(module_sb, {}), 401, mentions="missing header")


def test_unknown_key(module_sb):
    stranger = new_rsa_key()
    headers = auth_headers(stranger, "no-such-key", "GET", BALANCE)
    assert_kalshi_error(get_balance(module_sb, headers), 401, mentions="unknown API key")


def test_signature_by_another_key_does_not_verify(module_sb):
    impostor = new_rsa_key()
    headers = auth_headers(impostor, module_sb.key_id, "GET", BALANCE)
    assert_kalshi_error(get_balance(module_sb, headers), 401, mentions="does not verify")


def test_signature_over_path_plus_query_is_refused_and_named(module_sb, key):
    path = PREFIX + "/portfolio/orders"
    ts = str(now_ms())
    headers = auth_headers(key, module_sb.key_id, "GET", path, ts=ts, signed_message=f"{ts}GET{path}?limit=5")
    resp = requests.get(module_sb.root_url + path + "?limit=5", headers=headers, timeout=10)
    assert_kalshi_error(resp, 401, mentions="query string")


def test_timestamp_in_seconds_is_refused_and_named(module_sb, key):
    ts = int(time.time())
    headers = auth_headers(key, module_sb.key_id, "GET", BALANCE, ts=ts)
    assert_kalshi_error(get_balance(module_sb, headers), 401, mentions="seconds")


@pytest.mark.parametrize("offset_s", [-45, 45])
def test_clock_skew_beyond_30_seconds_is_refused(module_sb, key, offset_s):
    headers = auth_headers(key, module_sb.key_id, "GET", BALANCE, ts=now_ms() + offset_s * 1000)
    assert_kalshi_error(get_balance(module_sb, headers), 401, mentions="clock skew")


def test_clock_skew_within_30_seconds_is_accepted(module_sb, key):
    headers = auth_headers(key, module_sb.key_id, "GET", BALANCE, ts=now_ms() - 20_000)
    assert get_balance(module_sb, headers).status_code == 200


def test_signature_over_path_without_api_prefix_is_named(module_sb, key):
    ts = str(now_ms())
    headers = auth_headers(
        key, module_sb.key_id, "GET", BALANCE, ts=ts, signed_message=f"{ts}GET/portfolio/balance"
    )
    err = assert_kalshi_error(get_balance(module_sb, headers), 401)
    assert "/trade-api/v2" in err["message"]
    assert "prefix" in err["message"]


def test_lowercase_method_is_named(module_sb, key):
    ts = str(now_ms())
    headers = auth_headers(key, module_sb.key_id, "GET", BALANCE, ts=ts, signed_message=f"{ts}get{BALANCE}")
    assert_kalshi_error(get_balance(module_sb, headers), 401, mentions="lowercase")


@pytest.mark.parametrize("salt_length", [0, 20, 32, 64, padding.PSS.MAX_LENGTH])
def test_pss_with_any_valid_salt_length_is_accepted(module_sb, key, salt_length):
    # Kalshi documents salt = digest length (32); many working clients sign with MAX_LENGTH (222 bytes for a
    # 2048-bit key) and a standard PSS verifier accepts any salt. Live acceptance is UNCONFIRMED (DESIGN.md).
    headers = auth_headers(key, module_sb.key_id, "GET", BALANCE, salt_length=salt_length)
    assert get_balance(module_sb, headers).status_code == 200


def test_pss_with_maximum_salt_over_the_query_string_is_still_refused(module_sb, key):
    ts = str(now_ms())
    headers = auth_headers(
        key,
        module_sb.key_id,
        "GET",
        BALANCE,
        ts=ts,
        signed_message=f"{ts}GET{BALANCE}?limit=5",
        salt_length=padding.PSS.MAX_LENGTH,
    )
    assert_kalshi_error(get_balance(module_sb, headers, query="?limit=5"), 401, mentions="query string")


def test_signature_that_is_not_base64(module_sb, key):
    headers = auth_headers(key, module_sb.key_id, "GET", BALANCE)
    headers["KALSHI-ACCESS-SIGNATURE"] = "not base64 at all!"
    assert_kalshi_error(get_balance(module_sb, headers), 401, mentions="base64")


def test_timestamp_that_is_not_a_number(module_sb, key):
    headers = auth_headers(key, module_sb.key_id, "GET", BALANCE)
    headers["KALSHI-ACCESS-TIMESTAMP"] = "yesterday"
    assert_kalshi_error(get_balance(module_sb, headers), 401, mentions="milliseconds")


def test_signature_for_another_method_does_not_verify(module_sb, key):
    ts = str(now_ms())
    headers = auth_headers(key, module_sb.key_id, "GET", BALANCE, ts=ts, signed_message=f"{ts}POST{BALANCE}")
    assert_kalshi_error(get_balance(module_sb, headers), 401, mentions="does not verify")


def test_public_market_data_needs_no_auth(module_sb):
    resp = requests.get(module_sb.url + "/markets", params={"limit": 1}, timeout=10)
    assert resp.status_code == 200
    assert len(resp.json()["markets"]) == 1


def test_public_market_data_accepts_valid_auth(module_sb, key):
    path = PREFIX + "/markets"
    resp = requests.get(
        module_sb.root_url + path,
        params={"limit": 1},
        headers=auth_headers(key, module_sb.key_id, "GET", path),
        timeout=10,
    )
    assert resp.status_code == 200


def test_public_market_data_refuses_invalid_auth(module_sb, key):
    # A client that signs every request finds a signing bug on its first call, not its first order.
    path = PREFIX + "/markets"
    ts = str(now_ms())
    headers = auth_headers(key, module_sb.key_id, "GET", path, ts=ts, signed_message=f"{ts}GET{path}?limit=1")
    resp = requests.get(module_sb.root_url + path, params={"limit": 1}, headers=headers, timeout=10)
    assert_kalshi_error(resp, 401, mentions="query string")


def test_key_registered_through_the_control_route(module_sb):
    ed_key = new_ed25519_key()
    resp = requests.post(
        module_sb.root_url + "/_sandbox/keys",
        json={"key_id": "ctl-key", "public_key_pem": public_pem(ed_key)},
        timeout=10,
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["key_id"] == "ctl-key"
    assert get_balance(module_sb, auth_headers(ed_key, "ctl-key", "GET", BALANCE)).status_code == 200


def test_control_route_refuses_a_private_key(module_sb):
    secret = new_rsa_key()
    from cryptography.hazmat.primitives import serialization

    pem = secret.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    resp = requests.post(
        module_sb.root_url + "/_sandbox/keys", json={"key_id": "x", "public_key_pem": pem}, timeout=10
    )
    assert_kalshi_error(resp, 400, mentions="public")
    assert "BEGIN" not in resp.text  # the key material is never echoed back
    assert "x" not in module_sb.app.keys


def test_users_are_separate_accounts(module_sb):
    ed_key = new_ed25519_key()
    user_id = module_sb.register_key("separate-key", public_pem(ed_key))
    module_sb.set_balance(user_id, 12_345)
    mine = Signer(module_sb, ed_key, "separate-key").get("/portfolio/balance").json()
    theirs = Signer(module_sb).get("/portfolio/balance").json()
    assert mine["balance"] == 12_345
    assert mine["balance_dollars"] == "123.4500"
    assert theirs["balance"] != 12_345


def test_private_key_file_is_0600_and_matches_the_public_key(module_sb, key):
    mode = stat.S_IMODE(os.stat(module_sb.private_key_path).st_mode)
    assert mode == 0o600
    assert public_pem(key) == module_sb.public_key_pem


def test_repr_shows_no_key_material(module_sb):
    text = repr(module_sb)
    with open(module_sb.private_key_path) as fh:
        private_text = fh.read()
    body = "".join(private_text.splitlines()[1:-1])
    assert body[:40] not in text
    assert "BEGIN" not in text
    assert module_sb.private_key_path not in text


def test_signing_over_a_percent_encoded_path(module_sb, key):
    # Path parameters are sent percent-encoded by the SDK; the signature covers the path as sent.
    path = PREFIX + "/portfolio/orders/no%20such%20order"
    resp = requests.get(
        module_sb.root_url + path, headers=auth_headers(key, module_sb.key_id, "GET", path), timeout=10
    )
    assert_kalshi_error(resp, 404)
