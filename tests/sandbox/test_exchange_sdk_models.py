"""Every record the Exchange produces parses with the official SDK's models (kalshi-python-sync 3.34.0).

No HTTP here: the Exchange's answers are wrapped in the live response envelopes, written to a JSON file and
validated by a script running under the SDK's Python 3.13 interpreter (env ``KALSHI_NB_SDK_PYTHON``,
default ``.venv-sdk/bin/python``, made by ``make sdk-venv``). Besides ``from_dict`` (which reads fields
with ``.get`` and so cannot see a missing nullable field), the script checks that every field a model
declares without a default is present as a key in the raw JSON, recursively.
"""

from __future__ import annotations

import json
import os
import subprocess
from datetime import datetime, timezone
from pathlib import Path

import pytest

from kalshi_nb.sandbox.exchange import Exchange

pytestmark = pytest.mark.sdk

REPO = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 9, 7, 2, 40, tzinfo=timezone.utc)
BTC = "KXBTC15M-26SEP062245-45"

CHECKER = r'''
import json, sys
import pydantic
from kalshi_python_sync import models

def missing(model, raw, path):
    """Required fields absent from the raw JSON, walking nested models alongside the raw dicts."""
    out = []
    for name, info in type(model).model_fields.items():
        key = info.alias or name
        if info.is_required() and key not in raw:
            out.append(f"{path}.{key}")
        value = getattr(model, name)
        sub = raw.get(key)
        if isinstance(value, pydantic.BaseModel) and isinstance(sub, dict):
            out += missing(value, sub, f"{path}.{key}")
        elif isinstance(value, list) and isinstance(sub, list):
            for i, (v, s) in enumerate(zip(value, sub)):
                if isinstance(v, pydantic.BaseModel) and isinstance(s, dict):
                    out += missing(v, s, f"{path}.{key}[{i}]")
    return out

failures = []
cases = json.load(open(sys.argv[1]))
for name, payload in cases:
    try:
        obj = getattr(models, name).from_dict(payload)
        gaps = missing(obj, payload, name)
        if gaps:
            failures.append(f"{name}: missing required keys {gaps[:5]}")
    except Exception as exc:  # noqa: BLE001 - report every model that refuses its payload
        failures.append(f"{name}: {type(exc).__name__}: {str(exc)[:800]}")
print(json.dumps({"checked": len(cases), "failures": failures}))
'''


def sdk_python() -> Path:
    path = Path(os.environ.get("KALSHI_NB_SDK_PYTHON") or REPO / ".venv-sdk" / "bin" / "python")
    if not path.exists():
        pytest.fail(
            f"the SDK interpreter {path} does not exist: run `make sdk-venv` (or set KALSHI_NB_SDK_PYTHON "
            "to a Python 3.13 with kalshi-python-sync==3.34.0)",
            pytrace=False,
        )
    return path


def exercised_exchange() -> Exchange:
    """An exchange with fills, resting/cancelled/executed orders, positions and a settlement."""
    ex = Exchange(seed=11, now=T0, clock=lambda: T0)
    ex.add_account("alice")
    ex.add_account("bob")
    fed = next(m["ticker"] for m in ex.markets(series_ticker="KXFEDDECISION", status="open"))
    base = {"self_trade_prevention_type": "maker"}
    ex.create_order(
        "alice",
        {
            **base,
            "ticker": BTC,
            "side": "bid",
            "count": "5",
            "price": "0.99",
            "time_in_force": "immediate_or_cancel",
            "client_order_id": "a-ioc",
        },
    )
    ex.create_order(
        "alice",
        {
            **base,
            "ticker": BTC,
            "side": "bid",
            "count": "3",
            "price": "0.05",
            "time_in_force": "good_till_canceled",
            "client_order_id": "a-rest",
        },
    )
    ex.create_order(
        "bob",
        {
            **base,
            "ticker": BTC,
            "side": "ask",
            "count": "2",
            "price": "0.05",
            "time_in_force": "immediate_or_cancel",
        },
    )
    ex.create_order(
        "bob",
        {
            **base,
            "ticker": fed,
            "side": "ask",
            "count": "2.5",
            "price": "0.01",
            "time_in_force": "immediate_or_cancel",
        },
    )
    ex.settle_market(fed, "no")
    return ex


def payloads(ex: Exchange) -> list[tuple[str, dict]]:
    now = int(T0.timestamp())
    cases: list[tuple[str, dict]] = []
    every = ex.markets() + ex.historical_markets()
    cases.append(("GetMarketsResponse", {"markets": every, "cursor": ""}))
    cases.append(("GetMarketResponse", {"market": ex.market(BTC)}))
    cases.append(("GetEventsResponse", {"events": ex.events(), "cursor": ""}))
    cases.append(("GetEventsResponse", {"events": ex.events(with_nested_markets=True), "cursor": ""}))
    for m in ex.markets(mve_filter="only")[:3]:
        event, markets = ex.event(m["event_ticker"], with_nested_markets=True)
        cases.append(("GetEventResponse", {"event": event, "markets": markets}))
    cases.append(("GetSeriesListResponse", {"series": ex.series_list(include_volume=True)}))
    cases.append(("GetSeriesResponse", {"series": ex.series("KXBTC15M")}))
    cases.append(("GetTradesResponse", {"trades": ex.trades(), "cursor": ""}))
    cases.append(("GetTradesResponse", {"trades": ex.trades(historical=True), "cursor": ""}))
    books = [{"ticker": m["ticker"], "orderbook_fp": ex.orderbook(m["ticker"])} for m in every[:50]]
    cases.append(("GetMarketOrderbooksResponse", {"orderbooks": books}))
    cases.append(("GetMarketOrderbookResponse", {"orderbook_fp": ex.orderbook(BTC)}))
    for m in ex.markets(status="open")[:40] + ex.markets(status="settled")[:10]:
        candles = ex.candlesticks(
            None,
            m["ticker"],
            start_ts=now - 86400,
            end_ts=now + 60,
            period_interval=60,
            include_latest_before_start=True,
        )
        cases.append(("GetMarketCandlesticksResponse", {"ticker": m["ticker"], "candlesticks": candles}))
    for m in ex.historical_markets()[:10]:
        candles = ex.candlesticks(
            None, m["ticker"], start_ts=now - 2 * 86400, end_ts=now, period_interval=1, historical=True
        )
        cases.append(
            ("GetMarketCandlesticksHistoricalResponse", {"ticker": m["ticker"], "candlesticks": candles})
        )
    cases.append(("ExchangeStatus", ex.exchange_status()))
    cases.append(("GetExchangeScheduleResponse", ex.exchange_schedule()))
    cases.append(("GetHistoricalCutoffResponse", ex.historical_cutoff()))
    for user in ("alice", "bob"):
        market_positions, event_positions = ex.positions(user, settlement_status="all")
        assert market_positions
        cases.append(("GetBalanceResponse", ex.balance(user)))
        cases.append(
            (
                "GetPositionsResponse",
                {"market_positions": market_positions, "event_positions": event_positions, "cursor": ""},
            )
        )
        cases.append(("GetFillsResponse", {"fills": ex.fills(user), "cursor": ""}))
        cases.append(("GetOrdersResponse", {"orders": ex.orders(user), "cursor": ""}))
        cases.append(("GetOrderResponse", {"order": ex.orders(user)[0]}))
    assert ex.settlements("bob")
    cases.append(("GetSettlementsResponse", {"settlements": ex.settlements("bob"), "cursor": ""}))
    # Write receipts.
    body = {
        "ticker": BTC,
        "side": "bid",
        "count": "2",
        "price": "0.10",
        "time_in_force": "good_till_canceled",
        "self_trade_prevention_type": "maker",
        "client_order_id": "sdk-1",
    }
    created = ex.create_order("alice", body)
    cases.append(("CreateOrderV2Response", created))
    cases.append(
        (
            "AmendOrderV2Response",
            ex.amend_order(
                "alice", created["order_id"], {"ticker": BTC, "side": "bid", "price": "0.11", "count": "3"}
            ),
        )
    )
    cases.append(
        ("DecreaseOrderV2Response", ex.decrease_order("alice", created["order_id"], {"reduce_by": "1"}))
    )
    cases.append(("CancelOrderV2Response", ex.cancel_order("alice", created["order_id"])))
    batch = ex.batch_create_orders("alice", {"orders": [body, {**body, "price": "0.105"}]})
    cases.append(("BatchCreateOrdersV2Response", batch))
    cases.append(
        (
            "BatchCancelOrdersV2Response",
            ex.batch_cancel_orders(
                "alice", {"orders": [{"order_id": batch["orders"][0]["order_id"]}, {"order_id": "unknown"}]}
            ),
        )
    )
    return cases


def test_every_exchange_record_parses_with_the_sdk(tmp_path: Path) -> None:
    python = sdk_python()
    cases = payloads(exercised_exchange())
    data = tmp_path / "payloads.json"
    data.write_text(json.dumps(cases))
    script = tmp_path / "check.py"
    script.write_text(CHECKER)
    run = subprocess.run(
        [str(python), str(script), str(data)], capture_output=True, text=True, timeout=300, check=False
    )
    assert run.returncode == 0, run.stderr[-2000:]
    report = json.loads(run.stdout)
    assert report["checked"] == len(cases) > 60
    assert report["failures"] == []


def test_the_checker_catches_a_broken_record(tmp_path: Path) -> None:
    """The SDK check can fail: a market without a required key, and a bad enum value, are both reported."""
    python = sdk_python()
    ex = Exchange(seed=11, now=T0, clock=lambda: T0)
    good = ex.market(BTC)
    no_key = {k: v for k, v in good.items() if k != "settlement_bounds_type"}
    bad_enum = {**good, "status": "open"}
    nullable_missing = {k: v for k, v in ex.series("KXBTC15M").items() if k != "tags"}
    data = tmp_path / "payloads.json"
    data.write_text(json.dumps([["Market", no_key], ["Market", bad_enum], ["Series", nullable_missing]]))
    script = tmp_path / "check.py"
    script.write_text(CHECKER)
    run = subprocess.run(
        [str(python), str(script), str(data)], capture_output=True, text=True, timeout=300, check=False
    )
    failures = json.loads(run.stdout)["failures"]
    assert len(failures) == 3
    assert "settlement_bounds_type" in failures[0]
    assert "status" in failures[1]
    assert "tags" in failures[2]
