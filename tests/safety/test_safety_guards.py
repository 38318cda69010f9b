"""Issue 9, items 1 and 5 of "What broke": the production guard and the spend cap on *every* writer.

The old ``KalshiClient.place_order`` (the README's own example) had no production guard and no spend cap,
and the cap elsewhere was checked against the preview's estimate, so a $10 cap let a $10.52 order through.
Here "production" is a transparent proxy on 127.0.0.1 in front of the sandbox: the client cannot prove it
is the sandbox, so it must treat it as production, and an order that slips through is a real order on the
sandbox's books that the test can count.
"""

from __future__ import annotations

import contextlib
import uuid
from decimal import ROUND_CEILING, Decimal
from typing import Any

import pytest

import kalshi_nb
from kalshi_nb import config, orders, safety
from kalshi_nb.client import KalshiClient

ORDERS_V2 = "/trade-api/v2/portfolio/events/orders"


# --- helpers ---------------------------------------------------------------------------------------


def _market(sb: object, *, max_ask: float = 0.40) -> dict:
    """An open whole-contract, 1-cent-grid market with the standard fee (quadratic, multiplier 1), whose
    YES ask is low enough that a 64-cent bid looks cheap in a preview."""
    for m in sb.exchange.markets(status="open"):
        if m["ticker"].startswith("KXMVE") or m.get("price_level_structure") != "linear_cent":
            continue
        if m.get("fractional_trading_enabled") or not 0.05 <= float(m.get("yes_ask_dollars") or 0) <= max_ask:
            continue
        event, _ = sb.exchange.event(m["event_ticker"])
        series = sb.exchange.series(event["series_ticker"])
        if (
            (series.get("fee_type"), str(series.get("fee_multiplier"))) == ("quadratic", "1")
            and event.get("fee_multiplier_override") is None
            and event.get("fee_type_override") is None
        ):
            return m
    raise LookupError("no standard-fee open market in the sandbox data")


def worst_case(count: int, yes_cents: int) -> Decimal:
    """Independent of the package: a YES bid at p can fill at any price up to p, and the fee
    ``ceil(0.07 * C * P * (1 - P))`` peaks at P = 0.50."""
    p = Decimal(yes_cents) / 100
    worst_p = min(Decimal("0.5"), p)
    fee = (Decimal("0.07") * count * worst_p * (1 - worst_p)).quantize(
        Decimal("0.01"), rounding=ROUND_CEILING
    )
    return count * p + fee


def _orders_on_exchange(sb: object) -> list[dict]:
    return list(sb.exchange.orders(sb.user_id))


def _sandbox_writes(sb: object) -> list[tuple[str, str]]:
    return [(r.method, r.path) for r in sb.requests if r.method != "GET"]


def _assert_nothing_written(sb: object, proxy: Any) -> None:
    """No write left the client (the proxy saw none) and none reached the exchange."""
    assert proxy.writes() == [], [(s.method, s.path) for s in proxy.writes()]
    assert _sandbox_writes(sb) == []


def _prod_client(sb: object, proxy: Any, **kwargs: Any) -> KalshiClient:
    options: dict[str, Any] = {
        "key_id": sb.key_id,
        "private_key_path": sb.private_key_path,
        "api_base": proxy.url,
        "rate_limit": None,
        "timeout": 5.0,
    }
    options.update(kwargs)
    client = KalshiClient(**options)
    assert client.env == "prod", "the proxy must be classified production for these tests to mean anything"
    return client


def _rest_order(sb: object, market: dict) -> str:
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
    return receipt["order_id"]


def _order(sb: object, order_id: str) -> dict:
    return next(o for o in _orders_on_exchange(sb) if o["order_id"] == order_id)


@pytest.fixture
def prod(sb: object, proxy: Any) -> Any:
    client = _prod_client(sb, proxy)
    yield client
    client.close()


@pytest.fixture(autouse=True)
def exchange_clock(sb: object, monkeypatch: pytest.MonkeyPatch) -> None:
    """Previews measure "closing soon" on the exchange's clock (its data is anchored in the past)."""
    monkeypatch.setattr(orders.preview, "_utcnow", sb.exchange.now)


# --- the production opt-in -------------------------------------------------------------------------


def test_place_order_on_production_refuses_naming_the_opt_in(
    sb: object, proxy: Any, prod: KalshiClient
) -> None:
    market = _market(sb)
    before = len(_orders_on_exchange(sb))
    with pytest.raises(kalshi_nb.LiveTradingDisabledError) as caught:
        prod.place_order(market["ticker"], "yes", 1, 1)
    message = str(caught.value)
    assert "kalshi_nb.enable_live_trading" in message
    assert config.ENV_LIVE_TRADING in message
    assert config.ENV_LIVE_TRADING.startswith("KALSHI")
    _assert_nothing_written(sb, proxy)
    assert len(_orders_on_exchange(sb)) == before


def test_live_trading_refusal_is_an_order_refusal(sb: object, prod: KalshiClient) -> None:
    """Callers that catch ``OrderRefusedError`` (the ticket, notebooks) catch this too."""
    with pytest.raises(kalshi_nb.OrderRefusedError):
        prod.place_order(_market(sb)["ticker"], "no", 1, 1)


@pytest.mark.parametrize("how", ["client", "session", "environment"])
def test_each_opt_in_lets_the_same_order_through(
    how: str, sb: object, proxy: Any, prod: KalshiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The control: the guard is the opt-in, not something else about the order."""
    if how == "client":
        kalshi_nb.enable_live_trading(prod)
    elif how == "session":
        kalshi_nb.enable_live_trading()
    else:
        monkeypatch.setenv(config.ENV_LIVE_TRADING, "true")
    market = _market(sb)
    result = prod.place_order(market["ticker"], "yes", 1, 1)
    assert result["order"]["order_id"]
    assert [(m, p) for m, p in _sandbox_writes(sb)] == [("POST", ORDERS_V2)]
    assert [s.method for s in proxy.writes()] == ["POST"]


@pytest.mark.parametrize("value", ["1", "yes", "t", "on", "", "false", "truee"])
def test_only_the_documented_environment_value_opts_in(
    value: str, sb: object, proxy: Any, prod: KalshiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    if value.strip().lower() == "true":
        pytest.fail("the parameter list must not contain the real opt-in")
    monkeypatch.setenv(config.ENV_LIVE_TRADING, value)
    with pytest.raises(kalshi_nb.LiveTradingDisabledError):
        prod.place_order(_market(sb)["ticker"], "yes", 1, 1)
    assert proxy.writes() == []


def test_opting_in_another_client_does_not_opt_in_this_one(
    sb: object, proxy: Any, prod: KalshiClient
) -> None:
    other = _prod_client(sb, proxy)
    kalshi_nb.enable_live_trading(other)
    with pytest.raises(kalshi_nb.LiveTradingDisabledError):
        prod.place_order(_market(sb)["ticker"], "yes", 1, 1)
    assert proxy.writes() == []
    other.close()


def test_disable_live_trading_takes_it_back(sb: object, proxy: Any, prod: KalshiClient) -> None:
    kalshi_nb.enable_live_trading(prod)
    kalshi_nb.disable_live_trading(prod)
    kalshi_nb.enable_live_trading()
    kalshi_nb.disable_live_trading()
    with pytest.raises(kalshi_nb.LiveTradingDisabledError):
        prod.place_order(_market(sb)["ticker"], "yes", 1, 1)
    assert proxy.writes() == []


def test_forcing_a_sandbox_client_to_prod_guards_it(sb: object, client: KalshiClient) -> None:
    client.env = "prod"
    with pytest.raises(kalshi_nb.LiveTradingDisabledError):
        client.place_order(_market(sb)["ticker"], "yes", 1, 1)
    assert _sandbox_writes(sb) == []


def test_batch_create_on_production_refuses_before_sending(
    sb: object, proxy: Any, prod: KalshiClient
) -> None:
    market = _market(sb)
    with pytest.raises(kalshi_nb.LiveTradingDisabledError):
        prod.place_orders(
            [
                {"ticker": market["ticker"], "side": "yes", "contracts": 1, "price_cents": 1},
                {"ticker": market["ticker"], "side": "no", "contracts": 1, "price_cents": 1},
            ]
        )
    _assert_nothing_written(sb, proxy)


def test_amend_on_production_refuses_before_sending(sb: object, proxy: Any, prod: KalshiClient) -> None:
    market = _market(sb)
    order_id = _rest_order(sb, market)
    sb.requests.clear()
    with pytest.raises(kalshi_nb.LiveTradingDisabledError):
        prod.amend_order(order_id, ticker=market["ticker"], side="yes", contracts=2, price_cents=2)
    _assert_nothing_written(sb, proxy)
    order = _order(sb, order_id)
    assert Decimal(order["yes_price_dollars"]) == Decimal("0.01"), order


def test_cancel_on_production_needs_no_opt_in(sb: object, proxy: Any, prod: KalshiClient) -> None:
    """Cancels only reduce risk: allowed on production without the opt-in (but still id-checked)."""
    market = _market(sb)
    order_id = _rest_order(sb, market)
    prod.cancel_order(order_id, ticker=market["ticker"])
    assert _order(sb, order_id)["status"] == "canceled"


def test_kn_place_order_of_a_preview_on_production_refuses(
    sb: object, proxy: Any, prod: KalshiClient
) -> None:
    market = _market(sb)
    preview = kalshi_nb.preview_order(market["ticker"], "yes", "buy", 1, price_cents=1, client=prod)
    assert proxy.writes() == []
    with pytest.raises(kalshi_nb.LiveTradingDisabledError):
        kalshi_nb.place_order(preview, confirm=True)
    _assert_nothing_written(sb, proxy)


def test_order_ticket_on_production_refuses(sb: object, proxy: Any, prod: KalshiClient) -> None:
    """The ticket's Place button goes through the same writer: with dry run off and the "real money" box
    ticked but no live-trading opt-in, nothing reaches the exchange."""
    from kalshi_nb.widgets import OrderTicket

    market = _market(sb)
    ticket = OrderTicket(client=prod, ticker=market["ticker"])
    try:
        ticket.ticker.value = market["ticker"]
        ticket.count.value = "1"
        ticket.price.value = "0.01"
        ticket.preview_button.click()
        assert ticket.preview is not None, "the ticket did not preview (test setup)"
        ticket.dry_run.value = False
        ticket.confirm_live.value = True
        with contextlib.suppress(kalshi_nb.OrderRefusedError):
            ticket.place_button.click()
    finally:
        ticket.close()
    assert ticket.placed is None
    _assert_nothing_written(sb, proxy)


# --- dry runs --------------------------------------------------------------------------------------


def test_dry_run_on_production_sends_no_write(sb: object, proxy: Any, prod: KalshiClient) -> None:
    market = _market(sb)
    try:
        result = prod.place_order(market["ticker"], "yes", 1, 1, dry_run=True)
    except kalshi_nb.OrderRefusedError:
        result = None  # refusing a dry run is also safe
    if result is not None:
        assert result["order"]["status"] == "dry_run"
        assert result["request"]["body"]["ticker"] == market["ticker"]
    _assert_nothing_written(sb, proxy)


def test_dry_run_with_live_trading_enabled_sends_no_write(sb: object, proxy: Any, prod: KalshiClient) -> None:
    kalshi_nb.enable_live_trading(prod)
    market = _market(sb)
    before = len(_orders_on_exchange(sb))
    result = prod.place_order(market["ticker"], "yes", 16, 64, dry_run=True)
    assert result["order"]["status"] == "dry_run"
    assert result["order"]["order_id"] is None
    _assert_nothing_written(sb, proxy)
    assert len(_orders_on_exchange(sb)) == before


def test_dry_run_is_never_a_truthy_lookalike(sb: object, proxy: Any, prod: KalshiClient) -> None:
    """``dry_run="no"`` or ``dry_run=1`` must not be read as "send it" nor silently as a dry run of a
    different order: it is refused, or it is a dry run; either way nothing is written."""
    kalshi_nb.enable_live_trading(prod)
    market = _market(sb)
    for value in ("no", "false", 1, "yes"):
        try:
            result = prod.place_order(market["ticker"], "yes", 1, 1, dry_run=value)
        except (ValueError, TypeError):
            continue
        assert result["order"]["status"] == "dry_run", (value, result)
    assert proxy.writes() == []


# --- the spend cap on the worst case ---------------------------------------------------------------


def test_independent_worst_case_of_the_issues_order_is_10_52() -> None:
    assert worst_case(16, 64) == Decimal("10.52")
    assert worst_case(20, 50) == Decimal("10.35")
    assert worst_case(10, 50) == Decimal("5.18")


def test_place_order_over_the_cap_on_its_worst_case_is_refused(
    sb: object, proxy: Any, prod: KalshiClient
) -> None:
    """16 YES at 64c: $10.24 at the limit plus up to $0.28 in fees = $10.52 > $10."""
    kalshi_nb.enable_live_trading(prod)
    kalshi_nb.set_spend_cap(10)
    market = _market(sb)
    before = len(_orders_on_exchange(sb))
    with pytest.raises(kalshi_nb.SpendCapError) as caught:
        prod.place_order(market["ticker"], "yes", 16, 64)
    assert "10.52" in str(caught.value), caught.value
    _assert_nothing_written(sb, proxy)
    assert len(_orders_on_exchange(sb)) == before


def test_the_fee_alone_can_cross_the_cap(sb: object, proxy: Any, prod: KalshiClient) -> None:
    """20 YES at 50c is exactly $10.00 at the limit; the fee ($0.35) puts the worst case over $10."""
    kalshi_nb.enable_live_trading(prod)
    kalshi_nb.set_spend_cap("10.00")
    with pytest.raises(kalshi_nb.SpendCapError):
        prod.place_order(_market(sb)["ticker"], "yes", 20, 50)
    assert proxy.writes() == []


def test_a_no_order_is_capped_on_the_no_price(sb: object, proxy: Any, prod: KalshiClient) -> None:
    """16 NO at 64c costs like 16 YES at 64c (a YES ask at 36c); the cap applies to what is paid."""
    kalshi_nb.enable_live_trading(prod)
    kalshi_nb.set_spend_cap(10)
    with pytest.raises(kalshi_nb.SpendCapError):
        prod.place_order(_market(sb)["ticker"], "no", 16, 64)
    assert proxy.writes() == []


def test_an_order_within_the_cap_goes_through(sb: object, proxy: Any, prod: KalshiClient) -> None:
    """The control: $5.18 worst case under a $10 cap is sent (as a resting 1-cent-below-ask bid)."""
    kalshi_nb.enable_live_trading(prod)
    kalshi_nb.set_spend_cap(10)
    market = _market(sb)
    assert worst_case(10, 1) <= 10
    result = prod.place_order(market["ticker"], "yes", 10, 1)
    assert result["order"]["order_id"]
    assert [s.method for s in proxy.writes()] == ["POST"]


def test_kn_place_order_is_capped_on_the_worst_case_not_the_preview(
    sb: object, proxy: Any, prod: KalshiClient
) -> None:
    """The issue's failure: the preview's estimate (filling at the low ask) was under the cap; the order's
    worst case (the book moves, it fills at the 64c limit, plus the largest fee) was not."""
    kalshi_nb.enable_live_trading(prod)
    kalshi_nb.set_spend_cap(10)
    market = _market(sb)
    preview = kalshi_nb.preview_order(
        market["ticker"], "yes", "buy", 16, price_cents=64, client=prod, spend_cap=1000
    )
    with pytest.raises(kalshi_nb.SpendCapError):
        kalshi_nb.place_order(preview, confirm=True, spend_cap=10)
    with pytest.raises(kalshi_nb.SpendCapError):
        kalshi_nb.place_order(
            kalshi_nb.preview_order(market["ticker"], "yes", "buy", 16, price_cents=64, client=prod),
            confirm=True,
        )
    _assert_nothing_written(sb, proxy)


def test_batch_create_over_the_cap_sends_nothing(sb: object, proxy: Any, prod: KalshiClient) -> None:
    """One order of the batch over the cap refuses the whole batch before the one request is sent."""
    kalshi_nb.enable_live_trading(prod)
    kalshi_nb.set_spend_cap(10)
    market = _market(sb)
    with pytest.raises(kalshi_nb.SpendCapError):
        prod.place_orders(
            [
                {"ticker": market["ticker"], "side": "yes", "contracts": 1, "price_cents": 1},
                {"ticker": market["ticker"], "side": "yes", "contracts": 16, "price_cents": 64},
            ]
        )
    _assert_nothing_written(sb, proxy)


def test_amend_over_the_cap_sends_nothing(sb: object, proxy: Any, prod: KalshiClient) -> None:
    kalshi_nb.enable_live_trading(prod)
    kalshi_nb.set_spend_cap(10)
    market = _market(sb)
    order_id = _rest_order(sb, market)
    sb.requests.clear()
    with pytest.raises(kalshi_nb.SpendCapError):
        prod.amend_order(order_id, ticker=market["ticker"], side="yes", contracts=16, price_cents=64)
    _assert_nothing_written(sb, proxy)
    assert Decimal(_order(sb, order_id)["yes_price_dollars"]) == Decimal("0.01")


def test_the_cap_applies_off_production_too(sb: object, client: KalshiClient) -> None:
    """The spend cap is not a production-only guard: a forced-prod-free sandbox client is capped too."""
    kalshi_nb.enable_live_trading(client)  # only matters if the sandbox has not proved itself yet
    kalshi_nb.set_spend_cap(10)
    with pytest.raises(kalshi_nb.SpendCapError):
        client.place_order(_market(sb)["ticker"], "yes", 16, 64)
    assert _sandbox_writes(sb) == []


@pytest.mark.parametrize("cap", [-1, "abc", float("nan"), float("inf"), True, None])
def test_a_nonsense_cap_is_refused_and_the_old_one_kept(cap: object) -> None:
    before = safety.spend_cap()
    with pytest.raises((ValueError, TypeError)):
        kalshi_nb.set_spend_cap(cap)
    assert safety.spend_cap() == before


def test_refusals_happen_before_any_write_even_with_a_bad_count(
    sb: object, proxy: Any, prod: KalshiClient
) -> None:
    """The issue's bad inputs that *sent a write*: an absurd count, an expiration in the past, a negative
    subaccount. With live trading on, each is refused and nothing is written."""
    kalshi_nb.enable_live_trading(prod)
    kalshi_nb.set_spend_cap(10**15)
    ticker = _market(sb)["ticker"]
    for kwargs in (
        {"contracts": 10**12},
        {"contracts": 1, "expiration_time": 1_000_000_000},
        {"contracts": 1, "subaccount": -5},
    ):
        args = {"contracts": kwargs.pop("contracts")}
        with pytest.raises((ValueError, kalshi_nb.OrderRefusedError)):
            prod.place_order(ticker, "yes", args["contracts"], 1, **kwargs)
    _assert_nothing_written(sb, proxy)
