"""place_order / cancel_order against the sandbox, checked against the sandbox's own state."""

from __future__ import annotations

from decimal import Decimal

import pytest
from client_helpers import orders_with, pick_market

from kalshi_nb.errors import DuplicateClientOrderIdError


def posts(sb) -> list:
    return [r for r in sb.requests if r.method == "POST"]


def test_resting_buy_yes(client, sb) -> None:
    m = pick_market(sb)
    result = client.place_order(m["ticker"], "yes", 2, 1)
    order = result["order"]
    assert order["status"] == "resting"
    assert (order["fill_count"], order["remaining_count"]) == ("0.00", "2.00")
    [stored] = orders_with(sb, order["client_order_id"])
    assert stored["order_id"] == order["order_id"]
    assert stored["status"] == "resting"
    assert (stored["book_side"], stored["yes_price_dollars"], stored["initial_count_fp"]) == (
        "bid",
        "0.0100",
        "2.00",
    )
    # what went over the wire
    [post] = posts(sb)
    assert post.path == "/trade-api/v2/portfolio/events/orders"
    assert post.body == {
        "ticker": m["ticker"],
        "client_order_id": order["client_order_id"],
        "side": "bid",
        "count": "2.00",
        "price": "0.0100",
        "time_in_force": "good_till_canceled",
        "self_trade_prevention_type": "taker_at_cross",
    }
    assert result["request"]["body"] == post.body


def test_buy_no_is_an_ask_at_one_minus_the_price(client, sb) -> None:
    m = pick_market(sb)
    assert Decimal(m["yes_bid_dollars"]) < Decimal("0.99")  # so an ask at 0.99 cannot cross
    order = client.place_order(m["ticker"], "no", 1, 1)["order"]
    [stored] = orders_with(sb, order["client_order_id"])
    assert (stored["book_side"], stored["yes_price_dollars"], stored["outcome_side"]) == (
        "ask",
        "0.9900",
        "no",
    )
    assert order["status"] == "resting"


def test_crossing_order_executes(client, sb) -> None:
    m = pick_market(sb)
    ask = Decimal(m["yes_ask_dollars"])
    assert Decimal(m["yes_ask_size_fp"]) >= 1
    assert ask < 1
    cents = int(ask * 100)
    order = client.place_order(m["ticker"], "yes", 1, cents)["order"]
    assert order["status"] == "executed"
    assert (order["fill_count"], order["remaining_count"]) == ("1.00", "0.00")
    assert Decimal(order["average_fill_price"]) == ask  # a taker fills at the resting price
    [stored] = orders_with(sb, order["client_order_id"])
    assert stored["status"] == "executed"


def test_ioc_that_cannot_fill_is_canceled(client, sb) -> None:
    m = pick_market(sb)
    order = client.place_order(m["ticker"], "yes", 1, 1, time_in_force="ioc")["order"]
    assert order["status"] == "canceled"
    assert order["fill_count"] == "0.00"


def test_dry_run_sends_no_write_and_shows_the_exact_body(client, sb) -> None:
    m = pick_market(sb)
    preview = client.place_order(m["ticker"], "no", 3, 40, dry_run=True, post_only=True)
    assert preview["order"]["status"] == "dry_run"
    assert preview["order"]["order_id"] is None
    assert [r.method for r in sb.requests] == ["GET"]  # the market read, nothing else
    body = preview["request"]["body"]
    assert body["side"] == "ask"
    assert body["price"] == "0.6000"
    assert body["count"] == "3.00"
    assert body["post_only"] is True
    # placing it for real with the same id sends exactly that body
    live = client.place_order(
        m["ticker"], "no", 3, 40, post_only=True, client_order_id=preview["order"]["client_order_id"]
    )
    assert posts(sb)[0].body == body
    assert live["request"]["body"] == body


def test_fractional_counts_on_every_market(client, sb) -> None:
    # Fractional trading is universal: any open market takes a count with two decimals.
    for m in (pick_market(sb), pick_market(sb, structure="tapered_deci_cent", min_yes_ask="0.06")):
        order = client.place_order(m["ticker"], "yes", "2.50", 1)["order"]
        assert order["remaining_count"] == "2.50"
        [stored] = orders_with(sb, order["client_order_id"])
        assert stored["initial_count_fp"] == "2.50"
    assert len(posts(sb)) == 2
    with pytest.raises(ValueError, match="two decimals"):
        client.place_order(pick_market(sb)["ticker"], "yes", "0.005", 1, dry_run=True)


def test_sub_penny_price_on_the_grid(client, sb) -> None:
    m = pick_market(sb, structure="tapered_deci_cent", min_yes_ask="0.06")
    order = client.place_order(m["ticker"], "yes", 1, price_dollars="0.055")["order"]
    [stored] = orders_with(sb, order["client_order_id"])
    assert stored["yes_price_dollars"] == "0.0550"
    before = len(sb.requests)
    with pytest.raises(ValueError, match=r"not on .*price grid"):
        client.place_order(m["ticker"], "yes", 1, price_dollars="0.555")
    # the off-grid order was refused after reading the market, without any write
    assert [r.method for r in sb.requests[before:]] == ["GET"]
    linear = pick_market(sb)
    with pytest.raises(ValueError, match=r"not on .*price grid"):
        client.place_order(linear["ticker"], "yes", 1, price_dollars="0.055")


def test_duplicate_client_order_id_returns_the_existing_order(client, sb) -> None:
    m = pick_market(sb)
    first = client.place_order(m["ticker"], "yes", 1, 1)["order"]
    again = client.place_order(m["ticker"], "yes", 1, 1, client_order_id=first["client_order_id"])
    assert again["reconciled"] is True
    assert again["order"]["order_id"] == first["order_id"]
    assert again["order"]["status"] == "resting"
    assert len(orders_with(sb, first["client_order_id"])) == 1
    # The journal knew the id: nothing was sent the second time (no reliance on the exchange's 409, which
    # Kalshi gives only while the first order rests).
    statuses = [r.status for r in posts(sb)]
    assert statuses == [201]


def test_reused_client_order_id_with_other_parameters_is_refused(client, sb) -> None:
    m = pick_market(sb)
    first = client.place_order(m["ticker"], "yes", 1, 1)["order"]
    with pytest.raises(DuplicateClientOrderIdError, match="different order"):
        client.place_order(m["ticker"], "yes", 1, 2, client_order_id=first["client_order_id"])
    assert len(orders_with(sb, first["client_order_id"])) == 1
    assert len(posts(sb)) == 1


def test_cancel(client, sb) -> None:
    m = pick_market(sb)
    a = client.place_order(m["ticker"], "yes", 2, 1)["order"]
    b = client.place_order(m["ticker"], "yes", 3, 1)["order"]
    receipt = client.cancel_order(a["order_id"])  # ticker looked up
    assert receipt["order_id"] == a["order_id"]
    assert Decimal(receipt["reduced_by"]) == 2
    receipt = client.cancel_order(b["order_id"], ticker=m["ticker"])
    assert Decimal(receipt["reduced_by"]) == 3
    assert {o["status"] for o in sb.exchange.orders(sb.user_id)} == {"canceled"}
    deletes = [r for r in sb.requests if r.method == "DELETE"]
    assert [d.query.get("market_ticker") for d in deletes] == [m["ticker"], m["ticker"]]


def test_input_validation_happens_before_anything_is_sent(client, sb) -> None:
    m = pick_market(sb)
    for kwargs, message in [
        ({"side": "maybe"}, "side"),
        ({"contracts": 0}, "positive"),
        ({"price_cents": 100}, "1 and 99"),
        ({"price_cents": 0.4}, "integer"),
        ({"action": "short"}, "action"),
        ({"time_in_force": "day"}, "time_in_force"),
        ({"client_order_id": "not ok!"}, "client_order_id"),
    ]:
        args = {"ticker": m["ticker"], "side": "yes", "contracts": 1, "price_cents": 10, **kwargs}
        with pytest.raises(ValueError, match=message):
            client.place_order(**args)
    assert posts(sb) == []
