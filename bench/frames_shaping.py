"""Shaping speed and memory: kalshi_nb.frames.markets_frame vs a bare pd.DataFrame(records).

Generates 200,000 synthetic Market records in today's wire format (``*_dollars``/``*_fp`` strings, ISO
times; see /work/shared/kalshi-api.md, "Example payloads") and times, in alternating rounds:

- floor:  ``pd.DataFrame(records)`` (no dtype work at all), and
- shaped: ``markets_frame(records)`` (typed columns, legacy fallbacks, derived mid/spread/time_to_close).

The floor decodes the pages with ``json.loads``, the shaped pipeline with the client's decoder
(``kalshi_nb.client.decode_json``, orjson); the collector is left on for both, as a user has it.

The records are serialised into 1,000-market JSON pages and each pipeline gets its own freshly decoded
copy (decoded, as a client receives them: fresh, cold string objects per value, which matters for the
timings); the order of the two alternates between rounds. It prints the best and the median of each,
their ratio (also with each pipeline's own JSON decoding added), and the deep
memory per 1,000 markets of both frames.

Run: ``python bench/frames_shaping.py [n_markets] [rounds]``. Figures are printed, not asserted.
"""

from __future__ import annotations

import gc
import json
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import pandas as pd

from kalshi_nb.client import decode_json
from kalshi_nb.frames import markets_frame

RULES = (
    "If the simple average of the sixty seconds of CF Benchmarks' BRTI before {t} is at least the simple "
    "average of the sixty seconds of BRTI before the window opens, the market resolves to Yes."
)


def _iso(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def _quote(rng: random.Random) -> tuple[int, int]:
    """A YES bid and ask in cents; 0 bid / 100 ask stand for an empty side, as Kalshi reports them."""
    if rng.random() < 0.15:
        return 0, 100
    bid = rng.randint(1, 97)
    return bid, min(99, bid + rng.choice((1, 1, 1, 2, 3, 5)))


def _size(rng: random.Random) -> str:
    return "0.00" if rng.random() < 0.3 else f"{rng.randint(1, 500_000) / 100:.2f}"


def make_markets(n: int, seed: int = 7) -> list[dict]:
    """n Market records: 15-minute windows (one market per event) and strike ladders (20 per event)."""
    rng = random.Random(seed)
    base = datetime(2026, 9, 7, 2, 30, tzinfo=timezone.utc)
    out: list[dict] = []
    event = 0
    while len(out) < n:
        ladder = event % 3 == 2
        per_event = 20 if ladder else 1
        open_t = base + timedelta(minutes=15 * event)
        close_t = open_t + timedelta(hours=24 if ladder else 0, minutes=15)
        settled = rng.random() < 0.3
        times = {
            "created_time": _iso(open_t - timedelta(hours=12)),
            "updated_time": _iso(open_t),
            "open_time": _iso(open_t),
            "close_time": _iso(close_t),
            "expected_expiration_time": _iso(close_t + timedelta(minutes=5)),
            "expiration_time": _iso(close_t + timedelta(minutes=5)),
            "latest_expiration_time": _iso(close_t + timedelta(days=7)),
        }
        series = "KXSYNLADDER" if ladder else "KXSYN15M"
        event_ticker = f"{series}-{event:07d}"
        for k in range(per_event):
            if len(out) >= n:
                break
            bid, ask = _quote(rng)
            strike = round(60_000 + 250 * k + rng.random() * 100, 2)
            market = {
                "ticker": f"{event_ticker}-{k:02d}",
                "event_ticker": event_ticker,
                "market_type": "binary",
                "title": "BTC price range" if ladder else "BTC price up in next 15 mins?",
                "subtitle": "",
                "yes_sub_title": f"Target Price: ${strike:,.2f}",
                "no_sub_title": f"Target Price: ${strike:,.2f}",
                **times,
                "settlement_timer_seconds": 60,
                "status": "finalized" if settled else "active",
                "yes_bid_dollars": f"{bid / 100:.4f}",
                "yes_bid_size_fp": _size(rng),
                "yes_ask_dollars": f"{ask / 100:.4f}",
                "yes_ask_size_fp": _size(rng),
                "no_bid_dollars": f"{(100 - ask) / 100:.4f}",
                "no_ask_dollars": f"{(100 - bid) / 100:.4f}",
                "last_price_dollars": f"{rng.randint(1, 99) / 100:.4f}",
                "previous_yes_bid_dollars": "0.0000",
                "previous_yes_ask_dollars": "0.0000",
                "previous_price_dollars": "0.0000",
                "volume_fp": f"{rng.randint(0, 2_000_000)}.00",
                "volume_24h_fp": f"{rng.randint(0, 20_000)}.00",
                "open_interest_fp": f"{rng.randint(0, 500_000)}.00",
                "notional_value_dollars": "1.0000",
                "result": rng.choice(("yes", "no")) if settled else "",
                "can_close_early": False,
                "settlement_bounds_type": "default",
                "expiration_value": f"{strike + rng.random():.2f}" if settled else "",
                "strike_type": "between" if ladder else "greater_or_equal",
                "floor_strike": strike,
                "rules_primary": RULES.format(t=times["close_time"]),
                "rules_secondary": "",
                "price_level_structure": "linear_cent",
                "price_ranges": [{"start": "0.0000", "end": "1.0000", "step": "0.0100"}],
                "exchange_index": 0,
            }
            if ladder:
                market["cap_strike"] = round(strike + 249.99, 2)
            if settled:
                market["settlement_value_dollars"] = "1.0000" if market["result"] == "yes" else "0.0000"
                market["settlement_ts"] = _iso(close_t + timedelta(minutes=6))
            out.append(market)
        event += 1
    return out


def pages_as_sent(records: list[dict], page_size: int = 1000) -> list[str]:
    """The records as the API sends them: JSON pages of ``page_size`` markets."""
    return [
        json.dumps({"markets": records[start : start + page_size], "cursor": "x"})
        for start in range(0, len(records), page_size)
    ]


def decode(pages: list[str], loads: Callable[[Any], Any] = json.loads) -> list[dict]:
    """What a client does with the pages: decode each (fresh objects for every value) and concatenate."""
    out: list[dict] = []
    for page in pages:
        out.extend(loads(page)["markets"])
    return out


def _timed(fn, *args):
    gc.collect()
    start = time.perf_counter()
    result = fn(*args)
    return time.perf_counter() - start, result


def _line(label: str, times: list[float]) -> str:
    return f"{label:<36} best {min(times):6.3f} s   median {statistics.median(times):6.3f} s"


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    pages = pages_as_sent(make_markets(n))
    decode_t, ours_t, floor_t, shaped_t = [], [], [], []
    frames = {}
    for round_ in range(rounds):
        # The floor decodes with json.loads, kalshi_nb with its client's decoder (orjson).
        order = [("floor", pd.DataFrame, json.loads), ("shaped", markets_frame, decode_json)]
        for label, fn, loads in order if round_ % 2 == 0 else order[::-1]:
            t, records = _timed(decode, pages, loads)
            (decode_t if label == "floor" else ours_t).append(t)
            t, frames[label] = _timed(fn, records)
            (floor_t if label == "floor" else shaped_t).append(t)
            del records
    floor, shaped = frames["floor"], frames["shaped"]
    ratio_best = min(shaped_t) / min(floor_t)
    ratio_median = statistics.median(shaped_t) / statistics.median(floor_t)
    with_decode = [d + s for d, s in zip(ours_t, shaped_t, strict=True)]
    floor_with_decode = [d + f for d, f in zip(decode_t, floor_t, strict=True)]
    per_k = 1000 / n
    mem_f = floor.memory_usage(deep=True).sum() * per_k
    mem_s = shaped.memory_usage(deep=True).sum() * per_k
    print(f"{n:,} markets in {len(pages)} JSON pages, {rounds} rounds, pandas {pd.__version__}")
    print(_line(f"floor  pd.DataFrame(records) ({floor.shape[1]} cols)", floor_t))
    print(_line(f"shaped markets_frame(records) ({shaped.shape[1]} cols)", shaped_t))
    print(
        f"ratio shaped/floor (shaping only):   best {ratio_best:.2f}x   median {ratio_median:.2f}x   (target 1.3x)"
    )
    print(_line("json.loads of the pages (the floor)", decode_t))
    print(_line("client.decode_json of the pages (orjson)", ours_t))
    print(
        f"ratio incl. decoding (each its own): best {min(with_decode) / min(floor_with_decode):.2f}x"
        f"   median {statistics.median(with_decode) / statistics.median(floor_with_decode):.2f}x"
    )
    print(
        f"deep memory per 1,000 markets: floor {mem_f / 1024:,.0f} KiB, shaped {mem_s / 1024:,.0f} KiB"
        f" ({mem_s / mem_f:.2f}x)"
    )


if __name__ == "__main__":
    main()
