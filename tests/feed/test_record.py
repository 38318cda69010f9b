"""Recording a live feed and replaying it: the replayed books are the ones the live feed held."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from feed_fakeserver import FakeKalshiWS

from kalshi_nb.client import KalshiClient
from kalshi_nb.feed import Feed
from kalshi_nb.feed.record import Recorder, records, replay

T, U = "KXTEST-A", "KXTEST-B"


@pytest.fixture
def server() -> Iterator[FakeKalshiWS]:
    fake = FakeKalshiWS()
    fake.books[T] = {"yes": {"0.4000": "10.00"}, "no": {"0.5500": "4.00"}}
    fake.books[U] = {"yes": {"0.1000": "2.00"}, "no": {}}
    yield fake
    fake.close()


def test_replay_rebuilds_what_the_live_feed_held(
    server: FakeKalshiWS, client: KalshiClient, tmp_path: Path
) -> None:
    with Feed([T, U], client=client, url=server.url, backoff=(0.02, 0.1), record=tmp_path) as feed:
        feed.wait_for(lambda f: f.book(T).valid and f.book(U).valid, timeout=5)
        server.delta(T, "yes", "0.4000", "-2.50")
        server.delta(T, "no", "0.5600", "3.00", skip=True)  # a gap, repaired by a snapshot
        server.delta(U, "yes", "0.1000", "1.00", dup=True)
        server.push(
            {
                "type": "trade",
                "sid": server.sids_by_channel["trade"],
                "seq": 1,
                "msg": {
                    "trade_id": "t1",
                    "market_ticker": T,
                    "yes_price_dollars": "0.40",
                    "count_fp": "1.00",
                },
            }
        )
        feed.wait_for(
            # at least one duplicate: under load a re-asked snapshot can arrive twice, also a duplicate
            lambda f: f.health.gaps_recovered == 2 and f.health.duplicates >= 1 and len(f.trades_df()) == 1,
            timeout=5,
        )
        assert all(b.valid for b in feed.books.values())
    # After close, live and replayed alike: the same levels, and stale (the recording ends disconnected).
    live = {t: (b.levels("yes"), b.levels("no"), b.valid) for t, b in feed.books.items()}
    live_trades = feed.trades_df()
    # How many gaps and duplicates the live feed saw depends on timing (a re-asked snapshot can come twice);
    # the replay must see exactly what the live feed saw.
    live_seqs = (feed._state.seqs.gaps, feed._state.seqs.duplicates)
    played = replay(tmp_path)
    assert {t: (b.levels("yes"), b.levels("no"), b.valid) for t, b in played.books.items()} == live
    assert live[T][0] == [(Decimal("0.4000"), Decimal("7.50"))] and not live[T][2]
    pd.testing.assert_frame_equal(played.trades_df(), live_trades)
    assert (played.state.seqs.gaps, played.state.seqs.duplicates) == live_seqs
    assert live_seqs[0] >= 1 and live_seqs[1] >= 1


def test_files_are_hourly_and_tagged(tmp_path: Path) -> None:
    rec = Recorder(tmp_path, use_yes_price=True, url="ws://127.0.0.1:1/trade-api/ws/v2")
    hour = 3_600_000
    rec.frame('{"type": "ticker", "msg": {}}', t_ms=0)
    rec.frame(b'{"type": "ticker", "msg": {}}', t_ms=hour - 1)
    rec.event("disconnected", t_ms=hour)
    rec.close()
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["feed-19700101-00.jsonl.gz", "feed-19700101-01.jsonl.gz"]
    with gzip.open(tmp_path / names[0], "rt") as fh:
        first = json.loads(fh.readline())
    assert first["meta"]["use_yes_price"] is True
    assert [r.get("event") or r.get("raw", "meta")[:6] for r in records(tmp_path)] == [
        "meta",
        '{"type',
        '{"type',
        "meta",
        "disconnected",
    ]
    assert replay(tmp_path).state.use_yes_price is True
