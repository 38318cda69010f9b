"""The read routes added in the second edition, against the sandbox: each call sends the right request and
returns the spec's shape; arguments are checked before anything is sent; the client learns its tier."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
from client_helpers import open_markets, pick_market

from kalshi_nb.ratelimit import BatchTooLargeError, RateLimiter


def last_get(sb: object) -> object:
    return [r for r in sb.requests if r.method == "GET"][-1]


def test_exchange_and_market_data_routes(client, sb) -> None:
    status = client.get_exchange_status()
    assert {s["exchange_index"] for s in status["exchange_index_statuses"]} >= {0, 2}
    assert "as_of_time" in client.get_user_data_timestamp()
    m = pick_market(sb)
    event = client.get_event(m["event_ticker"], exclude_markets=True)
    assert event["event"]["event_ticker"] == m["event_ticker"]
    assert last_get(sb).query == {"exclude_markets": "true"}
    with pytest.raises(ValueError, match="cannot be combined"):
        client.get_event(m["event_ticker"], True, exclude_markets=True)
    meta = client.get_event_metadata(m["event_ticker"])
    assert isinstance(meta.get("settlement_sources", []), list)
    fees = client.get_series_fee_changes("KXBTC15M", show_historical=True)
    assert isinstance(fees["series_fee_change_arr"], list)
    multi = client.get_multivariate_events(limit=3)
    assert len(multi["events"]) <= 3
    assert all(e["event_ticker"].startswith("KXMVE") for e in multi["events"])


def test_batch_candlesticks(client, sb) -> None:
    tickers = [m["ticker"] for m in open_markets(sb)[:3]]
    end = int(time.time())
    answer = client.get_batch_candlesticks(tickers, end - 6 * 3600, end, 60)
    assert sorted(item["market_ticker"] for item in answer["markets"]) == sorted(tickers)
    assert all(isinstance(item["candlesticks"], list) for item in answer["markets"])
    before = len(sb.requests)
    with pytest.raises(ValueError, match="1-100 markets"):
        client.get_batch_candlesticks([f"T-{i}" for i in range(101)], 0, 10)
    with pytest.raises(ValueError, match="period_interval"):
        client.get_batch_candlesticks(tickers, 0, 10, 5)
    with pytest.raises(ValueError, match=r"ticker|id"):
        client.get_batch_candlesticks(["A B"], 0, 10)
    assert len(sb.requests) == before


def test_queue_positions_and_resting_value(client, sb) -> None:
    m = pick_market(sb)
    placed = client.place_order(m["ticker"], "yes", 3, 1)["order"]
    queue = client.get_queue_positions([m["ticker"]])["queue_positions"]
    assert [q["order_id"] for q in queue] == [placed["order_id"]]
    assert Decimal(queue[0]["queue_position_fp"]) >= 0
    single = client.get_queue_position(placed["order_id"])
    assert Decimal(single["queue_position_fp"]) == Decimal(queue[0]["queue_position_fp"])
    value = client.get_total_resting_order_value()
    assert value["total_resting_order_value"] == 3  # 3 contracts at 1 cent
    assert {b["exchange_index"] for b in value["resting_order_value_breakdown"]} >= {m["exchange_index"]}


def test_historical_portfolio_pages(client, sb) -> None:
    for call, key in (
        (client.get_historical_fills, "fills"),
        (client.get_historical_orders, "orders"),
        (client.get_historical_positions, "market_positions"),
    ):
        page = call(limit=5)
        assert isinstance(page[key], list)
    assert isinstance(client.get_historical_trades(limit=5)["trades"], list)
    before = len(sb.requests)
    with pytest.raises(ValueError, match="unknown filter 'order_id'"):
        client.get_historical_fills(order_id="x")  # live-only filter: never silently widened
    with pytest.raises(ValueError, match="limit"):
        client.get_historical_positions(limit=0)
    assert len(sb.requests) == before


def test_the_client_learns_its_tier(make_client, sb) -> None:
    client = make_client(rate_limit="prime")
    sb.set_rate_limit("advanced")
    limiter = client.sync_rate_limits()
    assert limiter is client.rate_limiter and limiter.name == "advanced"
    assert (limiter.read.rate, limiter.read.capacity) == (300, 600)
    assert (limiter.write.rate, limiter.write.capacity) == (300, 600)
    assert limiter.max_batch_size("create") == 60 and limiter.max_batch_size("cancel") == 300
    # the sandbox's non-default costs are the client's own
    assert limiter.cost_of("DELETE", "/portfolio/events/orders/abc") == ("write", 2)
    assert limiter.cost_of("GET", "/portfolio/orders/abc") == ("read", 2)
    limits = client.get_account_limits()
    assert limits["usage_tier"] == "advanced" and limits["grants"] == []
    costs = client.get_endpoint_costs()
    assert costs["default_cost"] == 10
    off = make_client(rate_limit=None)
    assert off.sync_rate_limits(costs=False).name == "advanced"


def test_the_batch_size_follows_the_tier_before_anything_is_sent(make_client, sb) -> None:
    client = make_client(rate_limit="basic")
    m = pick_market(sb)
    batch = [{"ticker": m["ticker"], "side": "yes", "contracts": 1, "price_cents": 1}] * 11
    before = len(sb.requests)
    with pytest.raises(BatchTooLargeError, match="at most 10"):
        client.place_orders(batch)
    assert len(sb.requests) == before  # not even the market was read
    assert len(client.place_orders(batch[:10])) == 10
    # on a tier with a bigger write bucket the same batch goes
    big = make_client(rate_limit=RateLimiter.for_tier("advanced"))
    assert all(r.get("order_id") for r in big.place_orders(batch))
