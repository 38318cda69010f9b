"""Issue 9, item 3: every id and ticker placed in a URL path is validated and percent-encoded.

The old client put ids into paths as given: ``cancel_order(".")`` became ``DELETE
/portfolio/events/orders/`` after dot-segment normalisation, which is the *cancel-all* route, and ``..``
also sent a DELETE. These tests fail if any bad id or ticker reaches the wire, or if a resting order is
touched by a cancel with a bad id.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import kalshi_nb
from kalshi_nb.client import KalshiClient

BAD_IDS: list[Any] = [
    ".",
    "..",
    "...",
    "./",
    "../",
    "./.",
    "%2e",
    "%2E",
    "%2e%2e",
    ".%2e",
    "%2e.",
    "%2f",
    "%252e",
    "a/b",
    "/a",
    "a/",
    "a/../b",
    "..%2f",
    "a\\b",
    "\\",
    "a?b",
    "?",
    "a#b",
    "#",
    "a;b",
    "..;",
    "a b",
    " ",
    "",
    "\t",
    "\n",
    "a\r\nX-Injected: 1",
    "\x00",
    "a\x00b",
    "\x7f",
    "\u2024\u2024",
    "\uff0e\uff0e",
    "a\u202eb",
    "é",
    "a" * 10_000,
    "x" * 1_000,
    None,
    5,
    1.5,
    True,
    b"abc",
    ["a"],
    {"a": 1},
    object(),
]
_IDS = [pytest.param(v, id=repr(v)[:30]) for v in BAD_IDS]

ORDERS_V2 = "/trade-api/v2/portfolio/events/orders"
# The refusal names what is wrong: an id or ticker that is not a plain identifier.
BAD = r"(?i)identifier|ticker|order_id|\bid\b"


def _sent(sb: object) -> list[tuple[str, str]]:
    """Every API request the sandbox saw (control routes are never logged)."""
    return [(r.method, r.path) for r in sb.requests]


def _plain_market(sb: object) -> dict:
    for m in sb.exchange.markets(status="open"):
        if m["ticker"].startswith("KXMVE") or m.get("price_level_structure") != "linear_cent":
            continue
        if m.get("fractional_trading_enabled"):
            continue
        if float(m.get("yes_ask_dollars") or 0) >= 0.05:
            return m
    raise LookupError("no plain open market in the sandbox data")


def _rest_order(sb: object, market: dict) -> str:
    """A resting 1-cent YES bid for the sandbox's own account, placed on the exchange directly (not through
    the client, so these tests don't depend on the order guards)."""
    receipt = sb.exchange.create_order(
        sb.user_id,
        {
            "ticker": market["ticker"],
            "client_order_id": str(uuid.uuid4()),
            "side": "bid",
            "count": "1.00",
            "price": "0.0100",
            "time_in_force": "good_till_canceled",
            "self_trade_prevention_type": "taker_at_cross",
        },
    )
    order_id = receipt["order_id"]
    assert _status(sb, order_id) == "resting"
    return order_id


def _status(sb: object, order_id: str) -> str | None:
    mine = [o for o in sb.exchange.orders(sb.user_id) if o.get("order_id") == order_id]
    return mine[0]["status"] if mine else None


CALLS: dict[str, Callable[[KalshiClient, Any, dict], Any]] = {
    "cancel_order": lambda c, v, m: c.cancel_order(v),
    "cancel_order_with_ticker": lambda c, v, m: c.cancel_order(v, ticker=m["ticker"]),
    "cancel_order_bad_ticker": lambda c, v, m: c.cancel_order(
        "0a4c3f5e-1b2f-4c1d-9d0e-5b8f3f0a9c11", ticker=v
    ),
    "get_order": lambda c, v, m: c.get_order(v),
    "get_market": lambda c, v, m: c.get_market(v),
    "get_orderbook": lambda c, v, m: c.get_orderbook(v),
    "get_event": lambda c, v, m: c.get_event(v),
    "get_series": lambda c, v, m: c.get_series(v),
    "get_candlesticks_ticker": lambda c, v, m: c.get_candlesticks(
        v, 1_700_000_000, 1_700_003_600, 60, series_ticker="KXBTC"
    ),
    "get_candlesticks_series": lambda c, v, m: c.get_candlesticks(
        m["ticker"], 1_700_000_000, 1_700_003_600, 60, series_ticker=v
    ),
    "amend_order": lambda c, v, m: c.amend_order(
        v, ticker=m["ticker"], side="yes", contracts=1, price_cents=1
    ),
    "amend_order_bad_ticker": lambda c, v, m: c.amend_order(
        "0a4c3f5e-1b2f-4c1d-9d0e-5b8f3f0a9c11", ticker=v, side="yes", contracts=1, price_cents=1
    ),
    "place_order_ticker": lambda c, v, m: c.place_order(v, "yes", 1, 1),
    "kn_cancel_order": lambda c, v, m: kalshi_nb.cancel_order(v, client=c),
    "kn_cancel_order_dict": lambda c, v, m: kalshi_nb.cancel_order(
        {"order_id": v, "ticker": m["ticker"]}, client=c
    ),
}


# Positions where None is the documented "not given".
OPTIONAL = {"cancel_order_bad_ticker", "get_candlesticks_series"}


@pytest.mark.parametrize("call", sorted(CALLS))
@pytest.mark.parametrize("value", _IDS)
def test_bad_id_or_ticker_is_a_value_error_and_nothing_is_sent(
    client: KalshiClient, sb: object, call: str, value: Any
) -> None:
    if value is None and call in OPTIONAL:
        value = ""  # None means "not given" there (the order or market is read first); "" is the bad value
    market = _plain_market(sb)
    sb.requests.clear()
    # A dict is an order to kalshi_nb.cancel_order; one without an order_id may be a KeyError.
    errors = (
        (ValueError, TypeError, KeyError)
        if call == "kn_cancel_order" and isinstance(value, dict)
        else (ValueError, TypeError)
    )
    with pytest.raises(errors):
        CALLS[call](client, value, market)
    assert _sent(sb) == [], f"{call}({value!r}) sent {_sent(sb)}"


@pytest.mark.parametrize("value", _IDS)
def test_bad_id_methods_raise_value_error_not_another_type(
    client: KalshiClient, sb: object, value: Any
) -> None:
    """The issue asks for a ValueError ("a bad one is a ValueError before anything is sent")."""
    market = _plain_market(sb)
    for name in ("get_order", "get_market", "get_orderbook", "get_event", "get_series"):
        with pytest.raises(ValueError, match=BAD):
            getattr(client, name)(value)
    with pytest.raises(ValueError, match=BAD):
        client.cancel_order(value, ticker=market["ticker"])
    with pytest.raises(ValueError, match=BAD):
        client.amend_order(value, ticker=market["ticker"], side="yes", contracts=1, price_cents=1)
    assert _sent(sb) == []


@pytest.mark.parametrize("value", [".", "..", "%2e", "%2e%2e", "./", "", "batched"])
def test_cancel_with_a_route_changing_id_leaves_resting_orders_alone(
    client: KalshiClient, sb: object, value: str
) -> None:
    """The issue's own failure: ``cancel_order('.')`` reached the cancel-all route."""
    market = _plain_market(sb)
    order_id = _rest_order(sb, market)
    sb.requests.clear()
    with pytest.raises(ValueError, match=BAD):
        client.cancel_order(value, ticker=market["ticker"])
    with pytest.raises((ValueError, TypeError)):
        kalshi_nb.cancel_order(value, client=client)
    assert [r for r in sb.requests if r.method != "GET"] == []
    assert _status(sb, order_id) == "resting"


def test_a_good_id_reaches_exactly_its_own_route(client: KalshiClient, sb: object) -> None:
    """The control: a real id is sent, to ``.../orders/{id}`` and nowhere else."""
    market = _plain_market(sb)
    order_id = _rest_order(sb, market)
    sb.requests.clear()
    answer = client.cancel_order(order_id, ticker=market["ticker"])
    assert answer
    assert [(m, p) for m, p in _sent(sb) if m == "DELETE"] == [("DELETE", f"{ORDERS_V2}/{order_id}")]
    assert _status(sb, order_id) == "canceled"


def test_numpy_string_id_is_accepted_like_str(client: KalshiClient, sb: object) -> None:
    """An id taken from a DataFrame (numpy.str_) is an id, not an attack."""
    market = _plain_market(sb)
    order_id = np.str_(_rest_order(sb, market))
    assert client.get_order(order_id)["order"]["order_id"] == str(order_id)


@pytest.mark.parametrize("ticker", ["KX/../portfolio", "..", ".", "KX%2F..", "KX?x=1", "KX#", "KX BTC"])
def test_bad_ticker_in_list_calls_never_reaches_another_route(
    client: KalshiClient, sb: object, ticker: str
) -> None:
    """Ticker-shaped path pieces in composite routes (orderbook, candlesticks) are checked too."""
    with pytest.raises(ValueError, match=BAD):
        client.get_orderbook(ticker, depth=5)
    with pytest.raises(ValueError, match=BAD):
        client.get_candlesticks(ticker, 1_700_000_000, 1_700_003_600, 60, series_ticker="KXBTC")
    assert _sent(sb) == []
