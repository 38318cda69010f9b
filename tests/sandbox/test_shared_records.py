"""Sibling markets share their common fields (``data.Shared``): the same records on the wire, less memory.

The markets of one event (a KXBTC ladder's eleven strikes) keep the fields they agree on in one dict. These
tests hold that the sharing is invisible: a universe built with it sends exactly the records of one built
without it, a change to one market never shows on a sibling, and reads see shared and own fields alike.
"""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

import pytest

from kalshi_nb.sandbox import data
from kalshi_nb.sandbox.data import builder
from kalshi_nb.sandbox.exchange import Exchange

ANCHOR = datetime(2026, 9, 7, 2, 40, tzinfo=timezone.utc)


@pytest.mark.parametrize("size", [None, 2500])
def test_shared_records_send_what_unshared_ones_send(
    monkeypatch: pytest.MonkeyPatch, size: int | None
) -> None:
    shared = data.build(2, ANCHOR, size)
    monkeypatch.setattr(builder, "share_fields", lambda records: records)  # every market its own dict
    plain = data.build(2, ANCHOR, size)
    assert not any(type(m) is data.Shared for m in plain.markets)
    assert sum(type(m) is data.Shared for m in shared.markets) > 100  # the sharing is not vacuous
    assert [data.wire_market(m) for m in shared.markets] == [data.wire_market(m) for m in plain.markets]
    # ... and reads agree field by field, shared or own.
    for a, b in zip(shared.markets, plain.markets, strict=True):
        assert all(a[k] == v and a.get(k) == v and k in a for k, v in b.items())
        assert a == b
        assert (a != b) is False


def test_a_ladder_event_shares_one_dict_and_its_markets_keep_few_keys() -> None:
    u = data.build(2, ANCHOR, 2500)
    by_event: dict[str, list[dict]] = {}
    for m in u.markets:
        if m["ticker"].startswith("KXBTC-"):
            by_event.setdefault(m["event_ticker"], []).append(m)
    assert by_event
    for markets in by_event.values():
        assert len({id(m.shared) for m in markets}) == 1  # type: ignore[attr-defined]
    # The point of it: a settled ladder market has at most 21 keys of its own, the most a 464-byte dict holds.
    settled = [m for ms in by_event.values() for m in ms if m["status"] == "finalized"]
    assert settled and max(len(m) for m in settled) <= 21


def test_an_order_on_one_ladder_market_leaves_its_siblings_as_they_were() -> None:
    ex = Exchange(seed=1, now=ANCHOR)
    ex.add_account("alice")
    open_ladder = [m for m in ex.markets(series_ticker="KXBTC", status="open")]
    target = next(m for m in open_ladder if Decimal(m["yes_bid_dollars"]) > 0)
    siblings = [m["ticker"] for m in open_ladder if m["event_ticker"] == target["event_ticker"]]
    siblings.remove(target["ticker"])
    assert siblings and type(ex._rec[target["ticker"]]) is data.Shared
    before = {t: ex.market(t) for t in siblings}
    price = target["yes_bid_dollars"]  # joins the best bid: its size grows by 3
    ex.create_order(
        "alice",
        {
            "ticker": target["ticker"],
            "side": "bid",
            "count": "3",
            "price": price,
            "time_in_force": "good_till_canceled",
            "self_trade_prevention_type": "maker",
        },
    )
    after = ex.market(target["ticker"])
    assert after["yes_bid_dollars"] == price
    assert Decimal(after["yes_bid_size_fp"]) == Decimal(target["yes_bid_size_fp"]) + 3
    assert type(ex._rec[target["ticker"]]) is data.Shared  # a changed record keeps sharing
    assert {t: ex.market(t) for t in siblings} == before


def test_share_fields_shares_only_what_every_sibling_has_with_the_same_type() -> None:
    a, b, c = data.share_fields(
        [
            {"t": "A", "n": 1, "s": "x", "only_a": 0, "f": 0.0},
            {"t": "B", "n": True, "s": "x", "f": 0},
            {"t": "C", "n": 1, "s": "x", "f": 0.0},
        ]
    )
    assert a.shared == {"s": "x"}  # type: ignore[attr-defined]
    assert (dict(a), dict(b), dict(c)) == (
        {"t": "A", "n": 1, "only_a": 0, "f": 0.0},
        {"t": "B", "n": True, "f": 0},
        {"t": "C", "n": 1, "f": 0.0},
    )
    assert type(data.wire_market(b)["n"]) is bool and "only_a" not in b and b.get("only_a") is None
    lone = [{"t": "A"}]
    assert data.share_fields(lone) is lone
    apart = [{"t": "A"}, {"t": "B"}]
    assert data.share_fields(apart) is apart


def test_with_changes_leaves_the_old_record_and_the_shared_dict_alone() -> None:
    common = {"status": "active", "event_ticker": "E"}
    old = data.Shared(common, {"ticker": "T", "yes_bid_dollars": "0.4000"})
    new = data.with_changes(old, {"status": "closed", "yes_bid_dollars": "0.0000"})
    assert (old["status"], old["yes_bid_dollars"]) == ("active", "0.4000")
    assert (new["status"], new["yes_bid_dollars"], new["event_ticker"]) == ("closed", "0.0000", "E")
    assert common == {"status": "active", "event_ticker": "E"} and new.shared is common  # type: ignore[attr-defined]
    assert data.with_changes({"a": 1}, {"b": 2}) == {"a": 1, "b": 2}
