"""Cursor pagination over real HTTP: every row exactly once, cursors bound to their filters, limits enforced,
the last page's cursor is ""."""

from __future__ import annotations

import base64

import pytest
import requests
from helpers import Signer, assert_kalshi_error

from kalshi_nb.sandbox.errors import SandboxError
from kalshi_nb.sandbox.pagination import CursorCodec, filter_scope, paginate

SANDBOX_SEED = 5


def walk(session: requests.Session, url: str, key: str, params: dict) -> tuple[list[dict], list[str]]:
    """Follow cursors to the end; return all rows and every cursor seen."""
    rows, cursors = [], []
    cursor = None
    for _ in range(10_000):
        page_params = {**params, **({"cursor": cursor} if cursor else {})}
        resp = session.get(url, params=page_params, timeout=10)
        assert resp.status_code == 200, resp.text
        body = resp.json()
        assert len(body[key]) <= params.get("limit", 100)
        rows.extend(body[key])
        cursor = body["cursor"]
        cursors.append(cursor)
        if cursor == "":
            return rows, cursors
    raise AssertionError("pagination never ended")


def test_markets_every_row_exactly_once(module_sb):
    expected = [m["ticker"] for m in module_sb.exchange.markets()]
    assert len(expected) > 40
    with requests.Session() as s:
        rows, cursors = walk(s, module_sb.url + "/markets", "markets", {"limit": 17})
    got = [m["ticker"] for m in rows]
    assert len(got) == len(set(got)), "a row appeared twice"
    assert sorted(got) == sorted(expected)
    assert got == expected  # the exchange's order is kept
    assert cursors[-1] == ""
    assert all(c for c in cursors[:-1]), "only the last page may have an empty cursor"
    # no trailing empty page: exactly ceil(n / 17) requests
    assert len(cursors) == -(-len(expected) // 17)


def test_filtered_markets_every_row_exactly_once(module_sb):
    event = module_sb.exchange.markets()[0]["event_ticker"]
    expected = [m["ticker"] for m in module_sb.exchange.markets(event_ticker=event)]
    with requests.Session() as s:
        rows, _ = walk(s, module_sb.url + "/markets", "markets", {"limit": 1, "event_ticker": event})
    assert [m["ticker"] for m in rows] == expected


def test_default_limit_is_100(module_sb):
    total = len(module_sb.exchange.markets())
    body = requests.get(module_sb.url + "/markets", timeout=10).json()
    assert len(body["markets"]) == min(100, total)
    assert (body["cursor"] == "") == (total <= 100)


def test_events_every_row_exactly_once(module_sb):
    expected = [e["event_ticker"] for e in module_sb.exchange.events()]
    assert expected
    with requests.Session() as s:
        rows, cursors = walk(s, module_sb.url + "/events", "events", {"limit": 3})
    assert [e["event_ticker"] for e in rows] == expected
    assert cursors[-1] == ""


def test_trades_every_row_exactly_once(module_sb):
    expected = [t["trade_id"] for t in module_sb.exchange.trades()]
    assert len(expected) > 10
    with requests.Session() as s:
        rows, _ = walk(s, module_sb.url + "/markets/trades", "trades", {"limit": 1000})
    assert [t["trade_id"] for t in rows] == expected


def test_a_single_page_ends_with_an_empty_cursor(module_sb):
    body = requests.get(module_sb.url + "/markets", params={"limit": 1000}, timeout=10).json()
    if len(module_sb.exchange.markets()) <= 1000:
        assert body["cursor"] == ""


def test_cursor_reused_with_other_filters_is_400(module_sb):
    first = requests.get(module_sb.url + "/markets", params={"limit": 2, "status": "open"}, timeout=10).json()
    cursor = first["cursor"]
    assert cursor
    for other in ({"status": "closed"}, {}, {"status": "open", "mve_filter": "exclude"}):
        resp = requests.get(
            module_sb.url + "/markets", params={"limit": 2, "cursor": cursor, **other}, timeout=10
        )
        assert_kalshi_error(resp, 400, mentions="different filters")


def test_cursor_from_one_endpoint_is_refused_by_another(module_sb):
    cursor = requests.get(module_sb.url + "/markets", params={"limit": 1}, timeout=10).json()["cursor"]
    resp = requests.get(module_sb.url + "/events", params={"limit": 1, "cursor": cursor}, timeout=10)
    assert_kalshi_error(resp, 400)


def test_changing_only_limit_keeps_the_cursor_valid(module_sb):
    expected = [m["ticker"] for m in module_sb.exchange.markets(status="open")]
    first = requests.get(module_sb.url + "/markets", params={"limit": 2, "status": "open"}, timeout=10).json()
    second = requests.get(
        module_sb.url + "/markets",
        params={"limit": 5, "status": "open", "cursor": first["cursor"]},
        timeout=10,
    ).json()
    assert [m["ticker"] for m in first["markets"] + second["markets"]] == expected[:7]


@pytest.mark.parametrize(
    "mangle",
    [
        lambda c: c[:-2] + ("AA" if c[-2:] != "AA" else "BB"),  # tag altered
        lambda c: ("B" if c[0] != "B" else "C") + c[1:],  # offset altered
        lambda c: c[:10],  # truncated
        lambda c: "not-a-cursor",
        lambda c: base64.urlsafe_b64encode(b"\x00" * 28).decode(),  # right length, no valid tag
    ],
)
def test_tampered_cursor_is_400(module_sb, mangle):
    cursor = requests.get(module_sb.url + "/markets", params={"limit": 2}, timeout=10).json()["cursor"]
    resp = requests.get(module_sb.url + "/markets", params={"limit": 2, "cursor": mangle(cursor)}, timeout=10)
    assert_kalshi_error(resp, 400, code="invalid_cursor")


@pytest.mark.parametrize(
    ("endpoint", "too_big"),
    [
        ("/markets", 1001),
        ("/markets/trades", 1001),
        ("/events", 201),
        ("/historical/markets", 1001),
        ("/historical/trades", 1001),
    ],
)
def test_limit_above_maximum_is_400(module_sb, endpoint, too_big):
    assert (
        requests.get(module_sb.url + endpoint, params={"limit": too_big - 1}, timeout=10).status_code == 200
    )
    resp = requests.get(module_sb.url + endpoint, params={"limit": too_big}, timeout=10)
    assert_kalshi_error(resp, 400, mentions="limit")


@pytest.mark.parametrize(
    "endpoint", ["/portfolio/orders", "/portfolio/fills", "/portfolio/settlements", "/portfolio/positions"]
)
def test_portfolio_limit_bounds(module_sb, endpoint):
    signer = Signer(module_sb)
    assert signer.get(endpoint, params={"limit": 1000}).status_code == 200
    assert_kalshi_error(signer.get(endpoint, params={"limit": 1001}), 400, mentions="limit")
    assert_kalshi_error(signer.get(endpoint, params={"limit": 0}), 400, mentions="limit")


def test_events_limit_minimum_is_1(module_sb):
    assert_kalshi_error(
        requests.get(module_sb.url + "/events", params={"limit": 0}, timeout=10), 400, mentions="limit"
    )


def test_negative_limit_is_400(module_sb):
    assert_kalshi_error(
        requests.get(module_sb.url + "/markets", params={"limit": -1}, timeout=10), 400, mentions="limit"
    )


# --- the codec on its own -------------------------------------------------------------------------------


def test_codec_round_trip_and_binding():
    codec = CursorCodec(b"secret")
    scope = filter_scope("markets", {"status": "open", "tickers": ["A", "B"]})
    assert codec.decode(codec.encode((12345, "KX-A"), scope), scope) == (12345, "KX-A")
    assert codec.decode(codec.encode(None, scope), scope) is None
    other = filter_scope("markets", {"status": "open", "tickers": ["A", "C"]})
    with pytest.raises(SandboxError) as info:
        codec.decode(codec.encode((5,), scope), other)
    assert info.value.status == 400


def test_codec_binds_portfolio_cursors_to_the_user():
    codec = CursorCodec(b"secret")
    mine = filter_scope("orders", {}, user_id="alice")
    theirs = filter_scope("orders", {}, user_id="bob")
    with pytest.raises(SandboxError):
        codec.decode(codec.encode((1,), mine), theirs)


def test_codec_refuses_cursors_of_another_secret():
    scope = filter_scope("markets", {})
    with pytest.raises(SandboxError):
        CursorCodec(b"one").decode(CursorCodec(b"two").encode((3,), scope), scope)


def test_none_filters_do_not_change_the_scope():
    assert filter_scope("m", {"a": None, "b": 1}) == filter_scope("m", {"b": 1})


def test_paginate_worked_example():
    codec = CursorCodec(b"k")
    rows = list(range(7))
    keys = [(r,) for r in rows]
    pages, cursor = [], None
    while True:
        page, cursor = paginate(rows, keys, cursor=cursor, limit=3, scope="s", codec=codec)
        pages.append(list(page))
        if not cursor:
            break
    assert pages == [[0, 1, 2], [3, 4, 5], [6]]
