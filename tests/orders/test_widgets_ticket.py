"""OrderTicket without a browser: set the controls, click the buttons, and check the sandbox's orders and
request log and the form's own state."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

import kalshi_nb
from kalshi_nb import orders

TICKER = "KXFEDDECISION-26DEC-H0"  # at the sandbox's anchor: open until mid-December, quotes 0.65 / 0.66
CREATE = "/trade-api/v2/portfolio/events/orders"


def writes(sb) -> list:
    return [r for r in sb.requests if r.method != "GET"]


def creates(sb) -> list:
    return [r for r in sb.requests if r.method == "POST" and r.path == CREATE]


def my_orders(sb) -> list[dict]:
    return sb.exchange.orders(sb.user_id)


def output_text(ticket) -> str:
    return "\n".join(o["data"]["text/plain"] for o in ticket.output.outputs)


def fill(ticket, *, outcome="yes", action="buy", count="3", price="0.60", tif="good_till_canceled") -> None:
    ticket.outcome.value, ticket.action.value = outcome, action
    ticket.count.value, ticket.price.value, ticket.time_in_force.value = count, price, tif


def test_renders_as_a_widget_and_shows_the_environment(make_ticket) -> None:
    t = make_ticket(ticker=TICKER)
    bundle = t._repr_mimebundle_()
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == t.widget.model_id
    assert "SANDBOX" in t.env_banner.value
    assert "fake money" in t.env_banner.value
    assert t.confirm_live.layout.display == "none"
    assert t.dry_run.value is True
    assert t.place_button.disabled
    # the picker follows the typed ticker
    assert (t.series.value, t.event.value, t.market.value) == ("KXFEDDECISION", "KXFEDDECISION-26DEC", TICKER)
    assert "active" in t.market_info.value
    assert "0.6500" in t.market_info.value


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
        ("ticker", "KXFEDDECISION-26DEC-C25"),
    ]
    for name, value in changes:
        t.preview_button.click()
        assert t.preview is not None, name
        assert not t.place_button.disabled, name
        getattr(t, name).value = value
        assert t.preview is None, name
        assert t.place_button.disabled, name
        assert "Inputs changed" in t.status.value
    assert writes(sb) == []


def test_dry_run_sends_no_write_request(sb, make_ticket) -> None:
    t = make_ticket(ticker=TICKER)
    fill(t)
    t.preview_button.click()
    assert t.place_button.description == "Place (dry run)"
    t.place_button.click()
    t.place_button.click()
    assert sb.requests
    assert writes(sb) == []
    assert my_orders(sb) == []
    assert t.placed is None
    text = output_text(t)
    assert "DRY RUN: nothing sent" in text
    assert t.preview.client_order_id in text
    assert "'side': 'bid'" in text
    assert "'price': '0.6000'" in text


def test_placing_for_real_then_cancel(sb, make_ticket) -> None:
    t = make_ticket(ticker=TICKER)
    fill(t, count="3", price="0.60")
    t.dry_run.value = False
    t.preview_button.click()
    assert t.place_button.description == "Place order"
    assert t.place_button.button_style == "success"
    t.place_button.click()
    t.place_button.click()  # a double click: still one order
    [post] = creates(sb)
    assert post.body == dict(t.preview.body)
    [order] = my_orders(sb)
    assert (
        order["ticker"],
        order["book_side"],
        order["yes_price_dollars"],
        order["initial_count_fp"],
        order["status"],
    ) == (TICKER, "bid", "0.6000", "3.00", "resting")
    assert t.placed is not None
    assert t.placed.order_id == order["order_id"]
    assert t.place_button.disabled
    assert t.place_button.description == "Placed"
    assert "RESTING" in t.receipt.value
    assert order["order_id"] in t.receipt.value
    assert t.cancel_button.layout.display is None
    assert not t.cancel_button.disabled
    assert "already placed" in t.status.value

    t.cancel_button.click()
    assert my_orders(sb)[0]["status"] == "canceled"
    assert t.cancel_button.layout.display == "none"
    assert "Canceled: 3.00" in t.receipt.value
    t.cancel_button.click()  # hidden and disabled: nothing more is sent
    assert len([r for r in sb.requests if r.method == "DELETE"]) == 1


def test_an_executed_order_shows_no_cancel_button(sb, make_ticket) -> None:
    t = make_ticket(ticker=TICKER)
    fill(t, count="2", price="0.66")  # at the ask: fills at once
    t.dry_run.value = False
    t.preview_button.click()
    t.place_button.click()
    assert t.placed.status == "executed"
    assert "EXECUTED" in t.receipt.value
    assert t.cancel_button.layout.display == "none"


def test_place_disables_itself_while_in_flight(sb, make_ticket, monkeypatch) -> None:
    t = make_ticket(ticker=TICKER)
    fill(t)
    t.dry_run.value = False
    t.preview_button.click()
    seen = []
    real = orders.place_order

    def slow_place(preview, **kwargs):
        seen.append((t.place_button.disabled, t.place_button.description))
        t.place_button.click()  # a second click arriving while the first is in flight
        return real(preview, **kwargs)

    monkeypatch.setattr(orders, "place_order", slow_place)
    t.place_button.click()
    assert seen == [(True, "Placing…")]  # the second click never reached place_order
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
    assert "no preview for the current inputs" in t.status.value


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda t, sb: setattr(t.price, "value", "45"), "did you mean $0.45"),
        (lambda t, sb: setattr(t.count, "value", "2.555"), "multiple of 0.01"),
        (lambda t, sb: setattr(t.count, "value", "lots"), "contracts must be a number"),
        (lambda t, sb: sb.settle(TICKER, "yes"), "is not open for trading"),
    ],
)
def test_errors_are_written_into_the_output(sb, make_ticket, setup, message) -> None:
    t = make_ticket(ticker=TICKER)
    fill(t)
    setup(t, sb)
    t.preview_button.click()  # must not raise: the error goes to the form
    assert message in t.status.value.replace("&#x27;", "'")
    assert message in output_text(t)
    assert t.preview is None
    assert t.place_button.disabled
    assert writes(sb) == []


def test_errors_from_the_exchange_are_shown(sb, make_ticket, retry_policy) -> None:
    t = make_ticket()
    t.ticker.value = "NO-SUCH-MARKET"  # read on change: a 404
    assert "NotFoundError" in output_text(t)
    assert "404" in output_text(t)
    # a 500 for every attempt the test client makes (retry_policy.max_attempts), so the read finally fails
    sb.faults.script(
        ["500"] * retry_policy.max_attempts, methods=["GET"], path=r"/markets/KXFEDDECISION-26DEC-H0$"
    )
    t.ticker.value = TICKER
    assert "ServerError" in output_text(t)


def test_production_needs_the_extra_confirmation_and_live_trading(sb, client, make_ticket) -> None:
    client.env = "prod"  # a production client pointed at the sandbox (the gate reads `env`)
    t = make_ticket(ticker=TICKER)
    assert "PRODUCTION" in t.env_banner.value
    assert "#c62828" in t.env_banner.value
    assert "live trading NOT enabled" in t.env_banner.value
    assert t.confirm_live.layout.display is None
    fill(t)
    t.dry_run.value = False
    t.preview_button.click()
    assert "production" in t.preview.warning_codes
    assert t.place_button.disabled  # not before the explicit confirmation
    assert t.place_button.description == "Place REAL order"
    assert t.place_button.button_style == "danger"
    t._on_place()  # even a click that gets through is refused
    assert "tick 'I confirm a REAL order" in output_text(t)
    t.confirm_live.value = True
    assert not t.place_button.disabled
    t.place_button.click()  # confirmed in the form, but live trading is off
    assert "LiveTradingDisabledError" in output_text(t)
    assert writes(sb) == []
    kalshi_nb.enable_live_trading(client)
    t.place_button.click()
    assert len(creates(sb)) == 1
    assert t.placed is not None
    assert t.placed.status == "resting"


def test_spend_cap_in_the_form(sb, make_ticket) -> None:
    t = make_ticket(ticker=TICKER, spend_cap="1")
    fill(t, count="3", price="0.60")  # $1.80 plus a maker fee, above $1
    t.dry_run.value = False
    t.preview_button.click()
    assert "over_spend_cap" in t.preview.warning_codes
    assert "spend cap" in output_text(t)
    t.place_button.click()
    assert "SpendCapError" in output_text(t)
    assert writes(sb) == []


def test_the_preview_is_shown_as_html(make_ticket) -> None:
    t = make_ticket(ticker=TICKER)
    fill(t, outcome="no", action="buy", count="2", price="0.31")
    t.preview_button.click()
    [shown] = t.output.outputs
    page = shown["data"]["text/html"]
    assert "kalshi-preview" in page
    assert "SANDBOX" in page
    assert "&quot;side&quot;: &quot;ask&quot;" in page
    assert "&quot;price&quot;: &quot;0.6900&quot;" in page
    # 2 NO at 0.31 is an ask at YES 0.69, the best YES bid is 0.65: nothing crosses, both rest
    assert t.preview.rest_count == 2
    assert t.preview.cost == D("0.62")
