"""The message mix of ``bench/feed_throughput.py``: generated feed frames in the sandbox's wire format, and the
naive float book the feed is compared with. Helpers only: run ``bench/feed_throughput.py``."""

from __future__ import annotations

import json
import random
import uuid
from collections import deque
from typing import Any


def _price(cents: int) -> str:
    return f"{cents / 100:.4f}"


def _count(hundredths: int) -> str:
    return ("-" if hundredths < 0 else "") + f"{abs(hundredths) // 100}.{abs(hundredths) % 100:02d}"


def make_frames(markets: int, messages: int, seed: int = 0) -> list[str]:
    """``messages`` wire frames (JSON text) for ``markets`` markets: snapshots first, then the mix.

    Books are modelled in integer cents and hundredths, so every delta is one the exchange could send (no
    level ever goes below zero). Sids: 1 orderbook_delta, 2 ticker (no seq), 3 trade.
    """
    rng = random.Random(seed)
    tickers = [f"KXBTC15M-26DEC02{i // 100:02d}{i % 100:02d}-{i % 60:02d}" for i in range(markets)]
    fair = {t: rng.randint(25, 75) for t in tickers}
    books: dict[str, dict[str, dict[int, int]]] = {}
    seqs = {1: 0, 3: 0}
    clock = 1_000_000
    ts = 1_796_180_400_000
    out: list[str] = []

    def emit(kind: str, sid: int, msg: dict[str, Any]) -> None:
        frame: dict[str, Any] = {"type": kind, "sid": sid}
        if sid in seqs:
            seqs[sid] += 1
            frame["seq"] = seqs[sid]
        frame["msg"] = msg
        frame["sending_ts_ms"] = ts
        out.append(json.dumps(frame, separators=(",", ":")))

    def snapshot(t: str) -> None:
        f = fair[t]
        yes = {c: rng.randint(1, 500) * 100 for c in range(max(1, f - rng.randint(10, 20)), f)}
        no = {c: rng.randint(1, 500) * 100 for c in range(max(1, 100 - f - rng.randint(10, 20)), 100 - f)}
        books[t] = {"yes": yes, "no": no}
        msg: dict[str, Any] = {"market_ticker": t, "market_id": str(uuid.UUID(int=rng.getrandbits(128)))}
        msg["clock"] = clock
        for side, levels in (("yes", yes), ("no", no)):
            if levels:
                msg[f"{side}_dollars_fp"] = [[_price(c), _count(s)] for c, s in sorted(levels.items())]
        emit("orderbook_snapshot", 1, msg)

    for t in tickers:
        snapshot(t)
    while len(out) < messages:
        clock += 1
        ts += rng.choice((0, 0, 1))
        t = rng.choice(tickers)
        roll = rng.random()
        if roll < 0.88:
            side = rng.choice(("yes", "no"))
            levels = books[t][side]
            top = fair[t] if side == "yes" else 100 - fair[t]
            cents = max(1, min(99, top - rng.randint(1, 15)))
            have = levels.get(cents, 0)
            delta = (
                -rng.randint(1, have // 100) * 100
                if have and rng.random() < 0.5
                else rng.randint(1, 300) * 100
            )
            if rng.random() < 0.1 and have:
                delta = -have  # a level emptied
            levels[cents] = have + delta
            if not levels[cents]:
                del levels[cents]
            msg = {"market_ticker": t, "market_id": "", "clock": clock, "price_dollars": _price(cents),
                   "delta_fp": _count(delta), "side": side, "ts_ms": ts}  # fmt: skip
            emit("orderbook_delta", 1, msg)
        elif roll < 0.94:
            bid = max(yes) if (yes := books[t]["yes"]) else 0
            ask = 100 - max(no) if (no := books[t]["no"]) else 100
            msg = {"market_id": "", "market_ticker": t, "price_dollars": _price(fair[t]),
                   "yes_bid_dollars": _price(bid), "yes_ask_dollars": _price(ask), "volume_fp": "1520.00",
                   "open_interest_fp": "880.00", "dollar_volume": 760, "dollar_open_interest": 440,
                   "yes_bid_size_fp": _count(books[t]["yes"].get(bid, 0)),
                   "yes_ask_size_fp": _count(books[t]["no"].get(100 - ask, 0)),
                   "last_trade_size_fp": "3.00", "ts": ts // 1000, "ts_ms": ts,
                   "time": "2026-12-02T00:00:00Z"}  # fmt: skip
            emit("ticker", 2, msg)
        elif roll < 0.99:
            taker = rng.choice(("yes", "no"))
            msg = {"trade_id": str(uuid.UUID(int=rng.getrandbits(128))), "market_ticker": t,
                   "yes_price_dollars": _price(fair[t]), "no_price_dollars": _price(100 - fair[t]),
                   "count_fp": _count(rng.randint(1, 20) * 100), "taker_side": taker,
                   "taker_outcome_side": taker, "taker_book_side": "bid", "is_block_trade": False,
                   "ts": ts // 1000, "ts_ms": ts}  # fmt: skip
            emit("trade", 3, msg)
        else:
            fair[t] = max(5, min(95, fair[t] + rng.choice((-1, 1))))
            snapshot(t)  # a re-snapshot, as after a get_snapshot repair
    return out


def tickers_of(frames: list[str]) -> list[str]:
    names = (json.loads(f)["msg"]["market_ticker"] for f in frames if '"orderbook_snapshot"' in f)
    return list(dict.fromkeys(names))


def naive_apply(raws: list[str]) -> None:
    books: dict[str, dict[str, dict[float, float]]] = {}
    tickers: dict[str, dict] = {}
    trades: deque[dict] = deque(maxlen=10_000)
    for raw in raws:
        frame = json.loads(raw)
        kind, msg = frame["type"], frame["msg"]
        if kind == "orderbook_delta":
            side = books[msg["market_ticker"]][msg["side"]]
            price = float(msg["price_dollars"])
            size = side.get(price, 0.0) + float(msg["delta_fp"])
            if size > 1e-9:
                side[price] = size
            else:
                side.pop(price, None)
        elif kind == "orderbook_snapshot":
            books[msg["market_ticker"]] = {
                s: {float(p): float(q) for p, q in msg.get(f"{s}_dollars_fp", ())} for s in ("yes", "no")
            }
        elif kind == "ticker":
            tickers[msg["market_ticker"]] = msg
        elif kind == "trade":
            trades.append(msg)


def _snapshot_frame(ticker: str, levels: int, seq: int) -> dict[str, Any]:
    rng = random.Random(seq)
    yes = [[_price(c), _count(rng.randint(1, 5000) * 100)] for c in range(1, 1 + levels)]
    no = [[_price(c), _count(rng.randint(1, 5000) * 100)] for c in range(1, 1 + levels)]
    msg = {"market_ticker": ticker, "clock": seq, "yes_dollars_fp": yes, "no_dollars_fp": no}
    return {"type": "orderbook_snapshot", "sid": 1, "seq": seq, "msg": msg}


def _delta_frames(frames: list[dict[str, Any]], first_seq: int) -> list[dict[str, Any]]:
    """One ``+1.00`` delta on every level of every book: afterwards no size is a parsed (shared) value."""
    out = []
    for frame in frames:
        m = frame["msg"]
        for side in ("yes", "no"):
            for price, _ in m[f"{side}_dollars_fp"]:
                first_seq += 1
                msg = {"market_ticker": m["market_ticker"], "price_dollars": price, "delta_fp": "1.00",
                       "side": side, "clock": first_seq}  # fmt: skip
                out.append({"type": "orderbook_delta", "sid": 1, "seq": first_seq, "msg": msg})
    return out
