"""place_order is the only writer: previews never write, one preview is one order, and the refusals
(production without enabling, spend cap, stale preview, not a preview) send nothing."""

from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal as D

import pytest
from orders_helpers import balance_cents, creates, my_orders, open_market, writes

import kalshi_nb
from kalshi_nb import orders
from kalshi_nb.client import KalshiClient, RetryPolicy
from kalshi_nb.errors import OrderStateUnknownError
from kalshi_nb.orders import (
    LiveTradingDisabledError,
    OrderRequest,
    SpendCapError,
    StalePreviewError,
    place_order,
    preview_order,
)

LOOKUP = r"/portfolio/orders$"
CREATE = r"/portfolio/events/orders$"


def test_preview_sends_only_reads(sb, client) -> None:
    m = open_market(sb)
    p = preview_order(m["ticker"], "yes", "buy", 3, "0.01", client=client)
    assert sb.requests
    assert {r.method for r in sb.requests} == {"GET"}
    assert my_orders(sb) == []
    # the exact V2 request it shows is what place_order then sends
    placed = place_order(p, confirm=True)
    [post] = creates(sb)
    assert post.body == dict(p.body)
    assert (p.method, p.path) == ("POST", post.path)
    assert placed.client_order_id == p.client_order_id == post.body["client_order_id"]


def test_one_preview_placed_twice_is_one_order(sb, client) -> None:
    m = open_market(sb)
    p = preview_order(m["ticker"], "yes", "buy", 2, "0.01", client=client)
    first = place_order(p, confirm=True)
    second = place_order(p, confirm=True)
    assert second is first
    assert len(creates(sb)) == 1
    assert len(my_orders(sb, p.client_order_id)) == 1
    assert len(my_orders(sb)) == 1


def test_one_preview_placed_from_many_threads_is_one_order(sb, client) -> None:
    m = open_market(sb)
    # a crossing order: once executed its client_order_id is free again, so only place_order's own
    # bookkeeping stands between a second send and a second order
    p = preview_order(m["ticker"], "yes", "buy", 1, m["yes_ask_dollars"], client=client)
    results: list = []
    barrier = threading.Barrier(6)

    def go() -> None:
        barrier.wait()
        results.append(place_order(p, confirm=True))

    threads = [threading.Thread(target=go) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert len(results) == 6
    assert all(r is results[0] for r in results)
    assert results[0].status == "executed"
    assert len(creates(sb)) == 1
    assert len(my_orders(sb)) == 1


def test_a_new_preview_is_a_new_order(sb, client) -> None:
    m = open_market(sb)
    a = place_order(preview_order(m["ticker"], "yes", "buy", 1, "0.01", client=client), confirm=True)
    p2 = preview_order(m["ticker"], "yes", "buy", 1, "0.01", client=client)
    assert "duplicate" in p2.warning_codes  # the same order again, moments later: a re-run cell?
    b = place_order(p2, confirm=True)
    assert a.order_id != b.order_id
    assert len(my_orders(sb)) == 2


def test_an_unknown_outcome_is_looked_up_before_sending_again(sb, make_client) -> None:
    client = make_client(
        retry=RetryPolicy(max_attempts=2, backoff_base=0.01, backoff_max=0.01, order_attempts=3)
    )
    m = open_market(sb)
    p = preview_order(m["ticker"], "yes", "buy", 1, m["yes_ask_dollars"], client=client)  # executes at once
    # The create is processed but its answer lost, and the client's own lookups fail too.
    sb.faults.script(["500_after"], methods=["POST"], path=CREATE)
    sb.faults.script(["500", "500"], methods=["GET"], path=LOOKUP)
    with pytest.raises(OrderStateUnknownError):
        place_order(p, confirm=True)
    assert len(my_orders(sb, p.client_order_id)) == 1
    # Trying the same preview again finds the executed order instead of sending a second copy.
    placed = place_order(p, confirm=True)
    assert placed.reconciled
    assert placed.status == "executed"
    assert placed.fill_count == 1
    assert len(creates(sb)) == 1
    assert len(my_orders(sb)) == 1


def test_a_refused_send_can_be_retried_with_the_same_preview(sb, client) -> None:
    m = open_market(sb)
    sb.set_balance(sb.user_id, 0)
    p = preview_order(m["ticker"], "yes", "buy", 2, "0.05", client=client)
    assert "over_balance" in p.warning_codes
    with pytest.raises(kalshi_nb.BadRequestError, match="insufficient balance"):
        place_order(p, confirm=True)
    sb.set_balance(sb.user_id, 100_000)
    placed = place_order(p, confirm=True)
    assert placed.status == "resting"
    assert len(my_orders(sb)) == 1


# --- refusals -------------------------------------------------------------------------------------------


def test_place_order_accepts_only_a_confirmed_preview(sb, client) -> None:
    m = open_market(sb)
    req = OrderRequest.for_ticker(m["ticker"], "yes", "buy", 1, "0.01", client=client)
    with pytest.raises(TypeError, match="only a preview"):
        place_order(req, confirm=True)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="only a preview"):
        place_order(req.body, confirm=True)  # type: ignore[arg-type]
    p = preview_order(req, client=client)
    with pytest.raises(ValueError, match="confirm=True"):
        place_order(p)
    with pytest.raises(ValueError, match="confirm=True"):
        place_order(p, confirm="yes")  # type: ignore[arg-type]
    assert writes(sb) == []


def test_production_refuses_until_live_trading_is_enabled(sb, make_client) -> None:
    # A production client, pointed at the sandbox so that nothing leaves this machine: its `env` is what
    # the gate reads (it is set from the host, api.elections.kalshi.com, in real use).
    prod = make_client()
    prod.env = "prod"
    other = make_client()
    other.env = "prod"
    m = open_market(sb)
    p = preview_order(m["ticker"], "yes", "buy", 1, "0.01", client=prod)
    assert "production" in p.warning_codes
    assert "live trading is not enabled" in dict(p.warnings)["production"]
    with pytest.raises(LiveTradingDisabledError, match="enable_live_trading"):
        place_order(p, confirm=True)
    kalshi_nb.enable_live_trading(other)  # another client: not this one
    with pytest.raises(LiveTradingDisabledError):
        place_order(p, confirm=True)
    assert writes(sb) == []
    kalshi_nb.enable_live_trading(prod)
    placed = place_order(p, confirm=True)
    assert placed.status == "resting"
    assert len(creates(sb)) == 1
    kalshi_nb.disable_live_trading(prod)
    with pytest.raises(LiveTradingDisabledError):
        place_order(preview_order(m["ticker"], "yes", "buy", 1, "0.01", client=prod), confirm=True)


def test_live_trading_for_the_whole_session(sb, make_client) -> None:
    prod = make_client()
    prod.env = "prod"
    m = open_market(sb)
    kalshi_nb.enable_live_trading()
    place_order(preview_order(m["ticker"], "yes", "buy", 1, "0.01", client=prod), confirm=True)
    kalshi_nb.disable_live_trading()
    with pytest.raises(LiveTradingDisabledError):
        place_order(preview_order(m["ticker"], "yes", "buy", 1, "0.01", client=prod), confirm=True)
    assert len(creates(sb)) == 1


def test_an_unproven_loopback_server_counts_as_production(sb, retry_policy) -> None:
    # A loopback port may be a proxy in front of the real exchange: without the sandbox's proof (its
    # identity secret is gone here) the client must treat it as production, with every guard on.
    import os

    from kalshi_nb.sandbox import Sandbox

    with Sandbox(host="127.0.0.2", rate_limit=None, markets=40, now=sb.exchange.now()) as other:
        os.remove(other.secret_path)
        client = KalshiClient(
            key_id=other.key_id,
            private_key_path=other.private_key_path,
            api_base=other.url,
            rate_limit=None,
            retry=retry_policy,
        )
        assert client.env == "prod"
        m = open_market(other, fee_type="quadratic")
        p = preview_order(m["ticker"], "yes", "buy", 1, "0.01", client=client)
        assert "production" in p.warning_codes
        with pytest.raises(LiveTradingDisabledError):
            place_order(p, confirm=True)
        with pytest.raises(LiveTradingDisabledError):
            client.place_order(m["ticker"], "yes", 1, 1)
        assert [r for r in other.requests if r.method != "GET"] == []
        client.close()


def test_demo_and_sandbox_need_no_enabling(client) -> None:
    assert client.env == "sandbox"
    assert kalshi_nb.live_trading_enabled(client)
    demo = KalshiClient.read_only(api_base="https://demo-api.kalshi.co/trade-api/v2")
    assert demo.env == "demo"
    assert kalshi_nb.live_trading_enabled(demo)
    prod = KalshiClient.read_only(api_base="https://api.elections.kalshi.com/trade-api/v2")
    assert prod.env == "prod"
    assert not kalshi_nb.live_trading_enabled(prod)


def test_spend_cap(sb, client) -> None:
    m = open_market(sb)
    # 30 contracts at 0.01 cost $0.30 if they rest (no fee), but the cap is checked against the worst case:
    # all 30 taken at up to $0.01 with the taker fee, ceil(0.07 * 30 * 0.01 * 0.99) = $0.03, so $0.33.
    p = preview_order(m["ticker"], "yes", "buy", 30, "0.01", client=client, spend_cap="0.32")
    assert p.total == D("0.30")
    assert p.worst_case == D("0.33")
    assert "over_spend_cap" in p.warning_codes
    with pytest.raises(SpendCapError, match="spend cap"):
        place_order(p, confirm=True)
    with pytest.raises(SpendCapError, match="spend cap"):
        place_order(p, confirm=True, spend_cap="0.30")  # the old check (estimate <= cap) let this through
    assert writes(sb) == []
    placed = place_order(p, confirm=True, spend_cap="0.33")  # exactly at the cap is allowed
    assert placed.status == "resting"


def test_session_spend_cap_is_the_default(sb, client) -> None:
    m = open_market(sb, ask_above="0.40")
    assert kalshi_nb.spend_cap() == D(100)
    p = preview_order(m["ticker"], "yes", "buy", 300, "0.40", client=client)  # rests: 300 * 0.40 = $120
    assert p.cost == D(120)
    with pytest.raises(SpendCapError):
        place_order(p, confirm=True)
    old = kalshi_nb.set_spend_cap(1000)
    assert old == D(100)
    # the cap travels with the preview: preview again after raising it
    with pytest.raises(SpendCapError):
        place_order(p, confirm=True)
    place_order(preview_order(m["ticker"], "yes", "buy", 300, "0.40", client=client), confirm=True)
    assert len(creates(sb)) == 1


def test_stale_preview_is_refused(sb, client) -> None:
    m = open_market(sb)
    p = preview_order(m["ticker"], "yes", "buy", 1, "0.01", client=client)
    with pytest.raises(StalePreviewError, match="preview again"):
        place_order(p, confirm=True, max_age=0)
    assert writes(sb) == []


def test_a_closed_market_is_refused_by_the_exchange_after_the_preview(sb, client) -> None:
    m = open_market(sb)
    p = preview_order(m["ticker"], "yes", "buy", 1, "0.01", client=client)
    sb.settle(m["ticker"], "no")
    with pytest.raises(kalshi_nb.ConflictError, match="not open"):
        place_order(p, confirm=True)
    assert my_orders(sb) == []


# --- warnings -----------------------------------------------------------------------------------------------


def test_warnings(sb, client) -> None:
    m = open_market(sb)
    bid = D(m["yes_bid_dollars"])
    near = preview_order(m["ticker"], "yes", "buy", 1, bid, client=client)
    assert near.warning_codes == set()
    sb.set_balance(sb.user_id, int(bid * 100) - 1)  # a cent short of the order's cost
    poor = preview_order(m["ticker"], "yes", "buy", 1, bid, client=client)
    assert "over_balance" in poor.warning_codes
    closes = orders.amounts._parse_time(m["close_time"])
    soon = preview_order(m["ticker"], "yes", "buy", 1, bid, client=client, now=closes - timedelta(minutes=4))
    assert "closing_soon" in soon.warning_codes
    assert "4 min" in dict(soon.warnings)["closing_soon"]
    later = preview_order(
        m["ticker"], "yes", "buy", 1, bid, client=client, now=closes - timedelta(minutes=11)
    )
    assert "closing_soon" not in later.warning_codes


def test_far_from_mid_on_a_known_book(sb, client) -> None:
    t = "KXFEDDECISION-26DEC-H0"
    assert (sb.exchange.market(t)["yes_bid_dollars"], sb.exchange.market(t)["yes_ask_dollars"]) == (
        "0.6500",
        "0.6600",
    )
    # mid 0.655: 0.55 is 10.5 cents away (warn), 0.56 is 9.5 cents (no warning)
    assert "far_from_mid" in preview_order(t, "yes", "buy", 1, "0.55", client=client).warning_codes
    assert "far_from_mid" not in preview_order(t, "yes", "buy", 1, "0.56", client=client).warning_codes
    # NO at 0.45 is YES 0.55: the same distance
    assert "far_from_mid" in preview_order(t, "no", "sell", 1, "0.45", client=client).warning_codes


def test_fill_or_kill_that_cannot_fill(sb, client) -> None:
    m = open_market(sb)
    p = preview_order(m["ticker"], "yes", "buy", 5, "0.01", "fok", client=client)
    assert "fill_or_kill_unfillable" in p.warning_codes
    assert (p.fill_count, p.rest_count, p.unfilled_count, p.total) == (0, 0, 5, D("0.00"))
    with pytest.raises(kalshi_nb.ConflictError):
        place_order(p, confirm=True)


def test_crossing_your_own_order(sb, client) -> None:
    m = open_market(sb, structure=None, bid_below="0.70", ask_above="0.72")
    t = m["ticker"]
    place_order(
        preview_order(t, "yes", "sell", 2, "0.70", client=client), confirm=True
    )  # our own ask at 0.70
    p = preview_order(t, "yes", "buy", 5, "0.72", client=client)
    assert "self_trade" in p.warning_codes
    assert (p.fill_count, p.rest_count, p.unfilled_count) == (0, 0, 5)
    placed = place_order(p, confirm=True)
    # the exchange agrees: self-trade prevention canceled the incoming order, nothing filled
    assert placed.status == "canceled"
    assert placed.fill_count == 0


# --- cancel and the open-orders frame ---------------------------------------------------------------------


def test_cancel_and_open_orders_frame(sb, client) -> None:
    m = open_market(sb)
    empty = orders.open_orders_df(client=client)
    assert len(empty) == 0
    assert "ticker" in empty.columns
    a = place_order(preview_order(m["ticker"], "yes", "buy", 3, "0.01", client=client), confirm=True)
    b = place_order(preview_order(m["ticker"], "no", "buy", 2, "0.01", client=client), confirm=True)
    assert balance_cents(sb) == 1_000_000 - 3 - 2
    df = orders.open_orders_df(client=client)
    assert sorted(df["order_id"]) == sorted([a.order_id, b.order_id])
    assert set(df["ticker"]) == {m["ticker"]}
    answer = orders.cancel_order(a)
    assert D(answer["reduced_by"]) == 3
    assert my_orders(sb, a.client_order_id)[0]["status"] == "canceled"
    assert list(orders.open_orders_df(client=client)["order_id"]) == [b.order_id]
    orders.cancel_order(b.order_id, client=client)
    assert len(orders.open_orders_df(client=client)) == 0
    assert balance_cents(sb) == 1_000_000


def test_reprs_and_html(sb, client) -> None:
    m = open_market(sb)
    p = preview_order(m["ticker"], "no", "sell", 2, "0.99", client=client)
    text = repr(p)
    assert "sell 2 NO @ $0.99" in text
    assert "sandbox" in text
    page = p._repr_html_()
    for needle in (
        "SANDBOX",
        "&quot;side&quot;: &quot;bid&quot;",
        "&quot;price&quot;: &quot;0.0100&quot;",
        "buy 2 YES at $0.01",
        "break-even",
        p.client_order_id,
    ):
        assert needle in page
    placed = place_order(p, confirm=True)
    assert placed.order_id in repr(placed)
    assert "resting" in repr(placed)
    assert "RESTING" in placed._repr_html_()
