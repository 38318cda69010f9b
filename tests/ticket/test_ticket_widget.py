"""OrderTicket without a browser: set the controls, click the buttons, and check the sandbox's orders and
request log, and what the form shows (its View and its widgets)."""

from __future__ import annotations

import html
import threading
import time
from datetime import datetime, timezone
from decimal import Decimal as D

import pytest

import kalshi_nb
from kalshi_nb import orders
from kalshi_nb.ticket import Phase, placeable

TICKER = "KXFEDDECISION-26DEC-H0"  # at the sandbox's anchor: open until mid-December, quotes 0.65 / 0.66
OTHER = "KXFEDDECISION-26DEC-C25"
CREATE = "/trade-api/v2/portfolio/events/orders"


def writes(sb) -> list:
    return [r for r in sb.requests if r.method != "GET"]


def creates(sb) -> list:
    return [r for r in sb.requests if r.method == "POST" and r.path == CREATE]


def my_orders(sb) -> list[dict]:
    return sb.exchange.orders(sb.user_id)


def output_text(t) -> str:
    return "\n".join(o["data"]["text/plain"] for o in t.output.outputs)


def output_html(t) -> str:
    return "\n".join(o["data"]["text/html"] for o in t.output.outputs)


def status(t) -> str:
    return html.unescape(t.status.value)


def fill(t, *, outcome="yes", action="buy", count="3", price="0.60", tif="good_till_canceled") -> None:
    t.outcome.value, t.action.value = outcome, action
    t.count.value, t.price.value, t.time_in_force.value = count, price, tif


def phase_classes(t) -> list[str]:
    return [c for c in t.widget._dom_classes if c.startswith("kalshi-phase-")]


def assert_consistent(t) -> None:
    """What the widgets show agrees with the state, and no two visible messages contradict."""
    facts = t.facts()
    assert phase_classes(t) == [f"kalshi-phase-{t.phase.value}"]
    assert t.place_button.disabled == (not placeable(t.phase, facts))
    shown = "\n".join([status(t), html.unescape(t.env_banner.value), output_text(t), t.receipt.value])
    if t.receipt.value:
        assert "DRY RUN" not in shown
    if not t.dry_run.value:
        assert "Untick Dry run" not in shown
        assert "DRY RUN" not in shown
    if orders.live_trading_enabled(t.client):
        assert "NOT enabled" not in shown
    for noise in ("Error:", "Traceback", "NotFoundError", "ServerError"):
        assert noise not in shown


def test_renders_as_a_widget_and_shows_the_environment_and_market(make_ticket) -> None:
    t = make_ticket(ticker=TICKER)
    bundle = t._repr_mimebundle_()
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == t.widget.model_id
    assert "SANDBOX" in t.env_banner.value
    assert t.confirm_live.layout.display == "none"
    assert t.dry_run.value is True
    assert t.place_button.disabled
    assert phase_classes(t) == ["kalshi-phase-editing"]
    # the picker follows the typed ticker
    assert (t.series.value, t.event.value, t.market.value) == ("KXFEDDECISION", "KXFEDDECISION-26DEC", TICKER)
    line = t.market_info.value
    assert "kalshi-market-line" in line
    assert 'kalshi-q-yes-ask">66¢ ($0.66)' in line
    assert 'kalshi-q-no-bid">34¢ ($0.34)' in line
    # the price starts from the market's own quote: the best ask of the side bought
    assert (t.price.description, t.price.value) == ("YES price", "66¢")
    assert "= 66¢ = $0.66" in t.price_reading.value
    t.outcome.value = "no"
    assert (t.price.description, t.price.value) == ("NO price", "35¢")  # NO ask = 1 - YES bid
    t.action.value = "sell"
    assert t.price.value == "34¢"  # NO bid = 1 - YES ask
    for name in ("age", "refresh_button", "orders_panel"):
        assert getattr(t, name) is not None
    assert "kalshi-ticket-orders" in t.orders_panel.widget._dom_classes
    assert "kalshi-ticket-position" in t.orders_panel.position._dom_classes
    assert_consistent(t)


def test_market_picker_series_event_market(sb, make_ticket) -> None:
    t = make_ticket()
    assert "KXNFLGAME" in t.series.options
    t.series.value = "KXNFLGAME"
    expected_events = {
        e["event_ticker"] for e in sb.exchange.events(series_ticker="KXNFLGAME", status="open")
    }
    offered = {v for _, v in t.event.options if v is not None}
    assert offered == expected_events
    assert offered
    event = min(offered)
    t.event.value = event
    _, markets = sb.exchange.event(event)
    assert {v for _, v in t.market.options if v is not None} == {
        m["ticker"] for m in markets if m["status"] == "active"
    }
    chosen = [v for _, v in t.market.options if v is not None][-1]
    t.market.value = chosen
    assert t.ticker.value == chosen
    assert "active" in t.market_info.value


@pytest.mark.parametrize("what", ["series", "event"])
def test_a_new_series_or_event_clears_ticker_preview_and_price(sb, make_ticket, what) -> None:
    t = make_ticket(ticker=TICKER)
    fill(t, price="0.60")
    t.preview_button.click()
    assert t.phase is Phase.PREVIEWED
    if what == "series":
        t.series.value = "KXNFLGAME"
    else:
        t.event.value = None
    assert (t.ticker.value, t.price.value, t.market.value) == ("", "", None)
    assert t.preview is None
    assert t.phase is Phase.EDITING
    assert t.place_button.disabled
    assert t.market_info.value == ""
    assert "Choose a market" in status(t)
    assert t.market.label == "— choose —"  # a blank box reads as broken
    if what == "series":
        assert t.event.label == "— choose —"
    assert_consistent(t)


def test_a_new_market_starts_from_its_own_quote(sb, make_ticket) -> None:
    t = make_ticket(ticker=TICKER)
    t.price.value = "0.60"  # typed by hand for the first market
    t.ticker.value = OTHER
    quote = sb.exchange.market(OTHER)["yes_ask_dollars"]
    assert t.price.value == f"{D(quote) * 100:.0f}¢"
    assert t.price.value != "60¢"


def test_place_is_disabled_until_a_preview_of_exactly_these_inputs(sb, make_ticket) -> None:
    t = make_ticket(ticker=TICKER)
    fill(t)
    assert t.place_button.disabled
    assert t.preview is None
    changes = [
        ("outcome", "no"),
        ("action", "sell"),
        ("count", "4"),
        ("price", "0.61"),
        ("time_in_force", "immediate_or_cancel"),
        ("ticker", OTHER),
    ]
    for name, value in changes:
        if name == "ticker":
            t.price.value = "0.30"
        t.preview_button.click()
        assert t.preview is not None, name
        assert not t.place_button.disabled, name
        getattr(t, name).value = value
        assert t.preview is None, name
        assert t.place_button.disabled, name
        assert t.phase is Phase.EDITING
        if name != "ticker":
            assert "Inputs changed" in status(t)
        assert_consistent(t)
    assert writes(sb) == []


def test_dry_run_sends_nothing_and_its_messages_follow_the_checkbox(sb, make_ticket) -> None:
    t = make_ticket(ticker=TICKER)
    fill(t)
    t.preview_button.click()
    assert t.place_button.description == "Place (dry run)"
    t.place_button.click()
    t.place_button.click()
    assert writes(sb) == []
    assert my_orders(sb) == []
    assert t.placed is None
    text = output_text(t)
    assert "DRY RUN: nothing sent" in text
    assert t.preview.client_order_id in text
    assert "'side': 'bid'" in text
    assert "'price': '0.6000'" in text
    assert "Untick Dry run" in status(t)
    assert_consistent(t)
    t.dry_run.value = False  # the same preview, now for real: no dry-run words left anywhere
    assert "Untick" not in status(t)
    assert "DRY RUN" not in output_text(t)
    assert "Place sends this exact order" in status(t)
    assert t.place_button.description == "Place order"
    assert_consistent(t)


def test_placing_for_real_then_cancel(sb, make_ticket) -> None:
    t = make_ticket(ticker=TICKER)
    fill(t, count="3", price="0.60")
    t.preview_button.click()
    t.place_button.click()  # a dry run first ...
    t.dry_run.value = False
    assert t.place_button.button_style == "success"
    t.place_button.click()  # ... then for real
    t.place_button.click()  # a double click: still one order
    [post] = creates(sb)
    assert post.body == dict(t.preview.body)
    [order] = my_orders(sb)
    assert (order["ticker"], order["book_side"], order["yes_price_dollars"], order["status"]) == (
        TICKER,
        "bid",
        "0.6000",
        "resting",
    )
    assert t.placed.order_id == order["order_id"]
    assert t.phase is Phase.PLACED
    assert (t.place_button.disabled, t.place_button.description) == (True, "Placed")
    assert "RESTING" in t.receipt.value
    assert order["order_id"] in t.receipt.value
    assert "DRY RUN" not in output_text(t)  # the dry run's box is gone with the real receipt
    assert "Placed: order" in status(t)
    assert t.cancel_button.layout.display is None
    [row] = t.orders_panel.rows
    assert row.order_id == order["order_id"]
    assert "this ticket" in row.text.value
    assert_consistent(t)

    t.cancel_button.click()
    assert my_orders(sb)[0]["status"] == "canceled"
    assert t.phase is Phase.CANCELLED
    assert t.cancel_button.layout.display == "none"
    assert "CANCELED" in t.receipt.value  # the receipt shows the order as it is now
    assert "RESTING" not in t.receipt.value
    assert t.orders_panel.rows == []
    t.cancel_button.click()  # hidden and not resting: nothing more is sent
    assert len([r for r in sb.requests if r.method == "DELETE"]) == 1
    assert_consistent(t)


def test_an_executed_order_shows_no_cancel_button(sb, make_ticket) -> None:
    t = make_ticket(ticker=TICKER)
    fill(t, count="2", price="0.66")  # at the ask: fills at once
    t.dry_run.value = False
    t.preview_button.click()
    t.place_button.click()
    assert t.placed.status == "executed"
    assert "EXECUTED" in t.receipt.value
    assert t.cancel_button.layout.display == "none"
    assert "kalshi-position" in t.orders_panel.position.value
    assert 'holding <b class="kalshi-q-position">2 YES</b>' in t.orders_panel.position.value


def test_place_disables_itself_while_in_flight(sb, make_ticket, monkeypatch) -> None:
    t = make_ticket(ticker=TICKER)
    fill(t)
    t.dry_run.value = False
    t.preview_button.click()
    seen = []
    real = orders.place_order

    def slow_place(preview, **kwargs):
        seen.append((t.place_button.disabled, t.place_button.description, t.phase))
        t.place_button.click()  # a second click arriving while the first is in flight
        t.count.value = "9"  # and an edit: it cannot un-send the order
        return real(preview, **kwargs)

    monkeypatch.setattr(orders, "place_order", slow_place)
    t.place_button.click()
    assert seen == [(True, "Placing…", Phase.PLACING)]
    assert len(creates(sb)) == 1
    assert len(my_orders(sb)) == 1


def test_a_click_after_an_input_change_places_nothing(sb, make_ticket) -> None:
    t = make_ticket(ticker=TICKER)
    fill(t)
    t.dry_run.value = False
    t.preview_button.click()
    t.price.value = "0.61"  # typed after the preview ...
    t._on_place()  # ... and a click already queued behind it
    assert writes(sb) == []
    assert "Inputs changed" in status(t)


@pytest.mark.parametrize(
    ("field", "typed", "words"),
    [
        ("price", "45.5", "steps of 1¢"),
        ("price", "$45", "below $1"),
        ("price", "0,45", "Use a dot"),
        ("count", "lots", "Contracts must be a number"),
        ("count", "0", "more than zero"),
    ],
)
def test_fields_are_checked_as_typed(sb, make_ticket, field, typed, words) -> None:
    t = make_ticket(ticker=TICKER)
    fill(t)
    before = len(sb.requests)
    getattr(t, field).value = typed
    box = getattr(t, f"{field}_error")
    assert "kalshi-field-error" in box._dom_classes
    assert words in html.unescape(box.value)
    assert box.layout.display is None
    assert t.preview_button.disabled
    assert "Fix the" in status(t)
    t.preview_button.click()  # a click that gets through reads nothing
    assert len(sb.requests) == before
    assert t.preview is None
    getattr(t, field).value = "3" if field == "count" else "60c"
    assert box.value == ""
    assert box.layout.display == "none"
    assert not t.preview_button.disabled
    assert_consistent(t)


def test_errors_from_the_exchange_are_one_sentence(sb, make_ticket, retry_policy) -> None:
    t = make_ticket()
    t.ticker.value = "NO-SUCH-MARKET"  # read on change: a 404
    text = status(t)
    assert "Nothing was found while" not in text or text.count(".") >= 1
    assert "check the ticker" in text
    assert "NotFoundError" not in text
    assert "404 not_found" not in text
    assert output_text(t) == ""  # shown once: in the status line
    assert t.preview_button.disabled
    sb.faults.script(["500"] * retry_policy.max_attempts, methods=["GET"], path=rf"/markets/{TICKER}$")
    t.ticker.value = TICKER
    assert "server error 500" in status(t)
    assert "ServerError" not in status(t)
    assert t.market_info.value == ""
    assert_consistent(t)


def test_a_closed_market_cannot_be_placed(sb, make_ticket) -> None:
    t = make_ticket(ticker=TICKER)
    fill(t)
    t.preview_button.click()
    assert not t.place_button.disabled
    sb.settle(TICKER, "yes")
    t.refresh_button.click()  # reads the market again, keeping the inputs
    assert t.place_button.disabled
    assert "is not open for trading" in status(t)
    t.place_button.click()
    assert writes(sb) == []
    assert_consistent(t)


def test_the_weekly_pause_disables_place(sb, make_ticket, monkeypatch) -> None:
    thursday = datetime(2026, 12, 3, 8, 30, tzinfo=timezone.utc)  # 03:30 ET
    t = make_ticket(ticker=TICKER)
    monkeypatch.setattr(t.client, "pause_clock", lambda: thursday, raising=False)  # the guard's clock
    fill(t)
    t.preview_button.click()
    assert t.place_button.disabled
    assert "weekly trading pause" in status(t)
    assert "05:00 ET" in status(t)
    assert_consistent(t)


def test_production_needs_live_trading_and_a_confirmation_for_each_order(sb, client, make_ticket) -> None:
    client.env = "prod"  # a production client pointed at the sandbox (the gate reads `env`)
    t = make_ticket(ticker=TICKER)
    assert "PRODUCTION" in t.env_banner.value
    assert "NOT enabled" in t.env_banner.value
    fill(t)
    t.dry_run.value = False
    assert t.confirm_live.layout.display is None
    t.preview_button.click()
    assert "production" in t.preview.warning_codes
    assert "live trading is not enabled" in output_html(t)
    assert (t.place_button.description, t.place_button.button_style) == ("Place REAL order", "danger")
    assert t.place_button.disabled
    assert "enable_live_trading" in status(t)
    t.confirm_live.value = True
    assert t.place_button.disabled  # confirmed in the form, but live trading is off
    t._on_place()  # a click that gets through is refused before anything is sent
    assert writes(sb) == []
    assert_consistent(t)

    kalshi_nb.enable_live_trading(client)  # "in another cell": the next tick re-reads it
    t.tick()
    assert "NOT enabled" not in t.env_banner.value
    assert "live trading enabled" in t.env_banner.value
    # the preview shown says so too (its warning was written before the opt-in)
    assert "live trading is not enabled" not in output_html(t)
    assert "live trading is not enabled" not in output_text(t)
    assert "PRODUCTION: this order would use real money" in output_html(t)
    assert not t.place_button.disabled
    t.place_button.click()
    assert len(creates(sb)) == 1
    assert t.placed.status == "resting"
    assert t.confirm_live.value is False  # the confirmation was for that order only
    assert_consistent(t)

    # the next order needs its own confirmation; an input change clears it too
    t.count.value = "2"
    t.preview_button.click()
    assert t.place_button.disabled
    t.confirm_live.value = True
    assert not t.place_button.disabled
    t.count.value = "1"
    assert t.confirm_live.value is False
    kalshi_nb.disable_live_trading(client)
    t.tick()
    assert "NOT enabled" in t.env_banner.value


def test_over_the_spend_cap_place_is_disabled_with_the_way_out(sb, make_ticket) -> None:
    t = make_ticket(ticker=TICKER, spend_cap="1")
    fill(t, count="3", price="0.60")  # $1.80 plus a maker fee, above $1
    t.dry_run.value = False
    t.preview_button.click()
    assert "over_spend_cap" in t.preview.warning_codes
    assert t.place_button.disabled
    assert "above the spend cap of $1.00" in status(t)
    assert "set_spend_cap" in status(t)
    shown = status(t) + "\n" + html.unescape(output_text(t))
    assert shown.lower().count("spend cap") == 1, shown  # the refusal is said once, not again as a warning
    t._on_place()
    assert writes(sb) == []
    assert_consistent(t)


def test_the_preview_ages_and_goes_stale(sb, make_ticket, clock) -> None:
    t = make_ticket(ticker=TICKER)
    fill(t)
    t.dry_run.value = False
    t.preview_button.click()
    assert "previewed 0:00 ago · stale in 5:00" in t.age.value
    clock.advance(42)
    t.tick()
    assert "previewed 0:42 ago · stale in 4:18" in t.age.value
    assert not t.place_button.disabled
    clock.advance(260)
    t.tick()
    assert t.phase is Phase.STALE
    assert phase_classes(t) == ["kalshi-phase-stale"]
    assert (t.place_button.disabled, t.place_button.description) == (True, "Place (stale)")
    assert (t.preview_button.description, t.preview_button.button_style) == ("Preview again", "warning")
    assert "click Preview again" in status(t)
    t._on_place()
    assert writes(sb) == []
    t.preview_button.click()
    assert t.phase is Phase.PREVIEWED
    assert not t.place_button.disabled
    assert_consistent(t)


def test_the_background_tick_runs_and_stops_on_close(sb, make_ticket, clock) -> None:
    t = make_ticket(ticker=TICKER, tick_interval=0.02, max_age=5)
    fill(t)
    t.preview_button.click()
    clock.advance(6)
    deadline = time.monotonic() + 10
    while t.phase is not Phase.STALE and time.monotonic() < deadline:
        time.sleep(0.02)
    # The tick sets the phase, then renders, both under the ticket's lock: read them together under it too
    # (read bare, the phase can already say STALE while the label it is about to redraw does not yet).
    with t._lock:
        phase, age_text = t.phase, t.age.value
    assert phase is Phase.STALE
    assert "stale: preview again" in age_text
    thread = t._thread
    assert thread is not None
    assert thread.is_alive()
    t.close()
    assert not thread.is_alive()
    assert "kalshi-ticket-tick" not in [th.name for th in threading.enumerate() if th is thread]


def test_the_preview_is_shown_as_html(make_ticket) -> None:
    t = make_ticket(ticker=TICKER)
    fill(t, outcome="no", action="buy", count="2", price="0.31")
    t.preview_button.click()
    [shown] = t.output.outputs
    page = shown["data"]["text/html"]
    assert "kalshi-preview" in page
    # 2 NO at 0.31 is an ask at YES 0.69, the best YES bid is 0.65: nothing crosses, both rest
    assert t.preview.body["side"] == "ask"
    assert t.preview.body["price"] == "0.6900"
    assert t.preview.rest_count == 2
    assert t.preview.cost == D("0.62")
