"""The orders panel (open orders and the position in the chosen market, Cancel and Amend per order), the
receipt following the order's current state, and random action sequences on the whole form."""

from __future__ import annotations

import html
from decimal import Decimal as D

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from test_ticket_widget import TICKER, assert_consistent, creates, fill, my_orders, status

import kalshi_nb
from kalshi_nb import orders
from kalshi_nb.ticket import Phase


def place_real(t, *, count="3", price="0.60") -> dict:
    fill(t, count=count, price=price)
    t.dry_run.value = False
    t.preview_button.click()
    t.place_button.click()
    assert t.phase is Phase.PLACED
    return next(o for o in my_orders(t._test_sb) if o["order_id"] == t.placed.order_id)


def test_the_panel_lists_resting_orders_including_ones_placed_elsewhere(sb, client, make_ticket) -> None:
    t = make_ticket(ticker=TICKER)
    t._test_sb = sb
    order = place_real(t)
    assert [r.order_id for r in t.orders_panel.rows] == [order["order_id"]]
    # an order placed from another cell shows after Refresh, not marked as the ticket's
    other = kalshi_nb.place_order(
        kalshi_nb.preview_order(TICKER, "no", "buy", 2, "0.20", client=client), confirm=True
    )
    t.refresh_button.click()
    rows = {r.order_id: r for r in t.orders_panel.rows}
    assert set(rows) == {order["order_id"], other.order_id}
    assert "this ticket" in rows[order["order_id"]].text.value
    assert "this ticket" not in rows[other.order_id].text.value
    assert "2 resting" in t.orders_panel.title.value
    for r in rows.values():
        assert "kalshi-order-row" in r.widget._dom_classes
        assert "kalshi-order-cancel" in r.cancel_button._dom_classes
        assert "kalshi-order-amend" in r.amend_button._dom_classes


def test_cancel_from_the_panel_updates_the_receipt(sb, make_ticket) -> None:
    t = make_ticket(ticker=TICKER)
    t._test_sb = sb
    order = place_real(t)
    t.orders_panel.row(order["order_id"]).cancel_button.click()
    assert sb.exchange.orders(sb.user_id)[0]["status"] == "canceled"
    assert t.orders_panel.rows == []
    assert "canceled: 3 contracts taken off the book" in html.unescape(t.orders_panel.message.value)
    assert t.phase is Phase.CANCELLED
    assert "CANCELED" in t.receipt.value
    assert "kalshi-receipt-canceled" in t.receipt.value
    assert t.cancel_button.layout.display == "none"
    assert_consistent(t)


def test_amend_from_the_panel(sb, make_ticket) -> None:
    t = make_ticket(ticker=TICKER)
    t._test_sb = sb
    order = place_real(t)
    row = t.orders_panel.row(order["order_id"])
    assert row.editor.layout.display == "none"
    row.amend_button.click()
    assert row.editor.layout.display == "flex"
    assert (row.price.description, row.price.value, row.count.value) == ("YES price", "60¢", "3")
    row.price.value, row.count.value = "58c", "5"
    row.send_button.click()
    [amended] = [o for o in my_orders(sb) if o["status"] == "resting"]
    assert (amended["yes_price_dollars"], amended["remaining_count_fp"]) == ("0.5800", "5.00")
    assert "amended: 5 at 58¢" in html.unescape(t.orders_panel.message.value)
    [row] = t.orders_panel.rows
    assert "58¢" in row.text.value
    assert "0 of 5 filled" in status(t)  # the ticket's own order: its status follows the amend
    assert "RESTING" in t.receipt.value
    # a bad amend is refused in the panel with one sentence, nothing sent
    before = len([r for r in sb.requests if r.method == "POST"])
    row.amend_button.click()
    row.price.value = "$58"
    row.send_button.click()
    assert "below $1" in html.unescape(t.orders_panel.message.value)
    assert len([r for r in sb.requests if r.method == "POST"]) == before


def test_amend_on_production_needs_the_rows_own_confirmation(sb, client, make_ticket) -> None:
    t = make_ticket(ticker=TICKER)
    t._test_sb = sb
    order = place_real(t)
    client.env = "prod"
    kalshi_nb.enable_live_trading(client)
    t.refresh_button.click()
    row = t.orders_panel.row(order["order_id"])
    assert row.confirm.layout.display is None
    row.price.value = "0.59"
    row.send_button.click()
    assert "I confirm this REAL amend" in t.orders_panel.message.value
    assert my_orders(sb)[0]["yes_price_dollars"] == "0.6000"
    row.confirm.value = True
    row.send_button.click()
    assert [o["yes_price_dollars"] for o in my_orders(sb) if o["status"] == "resting"] == ["0.5900"]


def test_the_receipt_follows_a_fill_after_refresh(sb, client, make_ticket) -> None:
    t = make_ticket(ticker=TICKER)
    t._test_sb = sb
    place_real(t, count="3", price="0.60")
    assert "RESTING" in t.receipt.value
    # another account sells into every bid down to 0.60, ours (last in line at 0.60) included
    bids = client.get_orderbook(TICKER)["orderbook_fp"]["yes_dollars"]
    depth = sum(D(n) for p, n in bids if D(p) >= D("0.60"))
    sb.exchange.add_account("maker")
    sb.set_balance("maker", 10_000_000)
    sb.exchange.create_order(
        "maker",
        {
            "ticker": TICKER,
            "side": "ask",
            "count": f"{depth:.2f}",
            "price": "0.60",
            "time_in_force": "immediate_or_cancel",
            "self_trade_prevention_type": "maker",
        },
    )
    t.refresh_button.click()
    assert t.placed.status == "executed"
    assert t.placed.fill_count == D(3)
    assert "EXECUTED" in t.receipt.value
    assert "3 of 3 filled" in status(t)
    assert t.cancel_button.layout.display == "none"
    assert t.orders_panel.rows == []
    assert ">3 YES<" in t.orders_panel.position.value


# --- random action sequences ------------------------------------------------------------------------------

EDITS = st.sampled_from(
    [
        ("outcome", "yes"),
        ("outcome", "no"),
        ("action", "buy"),
        ("action", "sell"),
        ("count", "2"),
        ("count", "0"),
        ("count", "lots"),
        ("price", "0.60"),
        ("price", "45"),
        ("price", "45.5"),
        ("price", "$45"),
    ]
)
AFTER = st.sampled_from(
    [
        ("dry_run", True),
        ("dry_run", False),
        ("confirm_live", True),
        ("confirm_live", False),
        ("click", "preview_button"),
        ("click", "place_button"),
        ("click", "place_button"),
        ("click", "cancel_button"),
        ("click", "refresh_button"),
        ("age", 200),
        ("live", True),
        ("live", False),
        ("count", "1"),
    ]
)
# Rounds of: a few edits, maybe "ready" (real-order settings and a fresh preview), then clicks and events.
ROUNDS = st.lists(
    st.tuples(st.lists(EDITS, max_size=2), st.booleans(), st.lists(AFTER, max_size=5)), min_size=1, max_size=4
)


def _act(t, client, clock, kind: str, value: object) -> bool:
    """Do one action; True when it is a click on an enabled Place with dry run off (an order is meant)."""
    if kind == "click":
        button = getattr(t, value)
        enabled = not button.disabled and (value != "cancel_button" or button.layout.display is None)
        meant = value == "place_button" and enabled and not t.dry_run.value
        button.click()  # Button.click() ignores `disabled`: the handlers must refuse on their own
        return meant
    if kind == "age":
        clock.advance(value)
        t.tick()
    elif kind == "live":
        (kalshi_nb.enable_live_trading if value else kalshi_nb.disable_live_trading)(client)
        t.tick()
    elif kind == "ready":
        kalshi_nb.enable_live_trading(client)
        t.dry_run.value = False
        t.preview_button.click()
        t.confirm_live.value = True
    else:
        getattr(t, kind).value = value
    return False


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(production=st.booleans(), rounds=ROUNDS)
def test_random_action_sequences_never_contradict_and_never_send_unmeant_orders(
    sb, make_client, make_ticket, clock, production, rounds
) -> None:
    sb.reset()
    orders.placed_orders.clear()
    client = make_client()  # one per example: a client can be made production, never back
    if production:
        client.env = "prod"
    t = make_ticket(ticker=TICKER, client=client)
    meant = 0  # real orders that clicks on an enabled Place should have sent
    for edits, ready, after in rounds:
        steps = [*edits, *([("ready", None)] if ready else []), *after]
        for kind, value in steps:
            meant += _act(t, client, clock, kind, value)
            assert_consistent(t)
            assert len(creates(sb)) == meant
            assert len({o["order_id"] for o in my_orders(sb)}) == meant
    event(f"phase {t.phase.value}, {'some' if meant else 'no'} real orders")
    t.close()
