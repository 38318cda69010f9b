"""KXBTC15M: fifteen-minute BTC up/down windows that open undecided near 50c and run to their outcome.

A window that has closed is priced from a latent BTC path inside the window (``history.latent_probs``: a
bridge to the window's close on the shared BTC path), so its outcome is the sign of that path and its
prices are informative but imperfect (overconfident, with noise). ``Builder.history_days`` adds that many
days of settled windows (96 a day) before the default ones.
"""

from __future__ import annotations

import bisect
import math
import random

from ..money import PIP
from .builder import BTC_SD_15M, Builder
from .grids import GRIDS
from .records import SOURCES_CF, Life, event_dict, series_dict
from .times import DAY, HOUR, et, et_clock, et_code, et_day

HISTORY_TRADES_MAX = 800  # trades in a long-history window: uniform in 0..800, about 400 on average


def btc15m(b: Builder) -> None:
    u, a = b.u, b.anchor
    u.series.append(
        series_dict(
            "KXBTC15M",
            "BTC price up in next 15 mins?",
            "Crypto",
            "fifteen_min",
            ["BTC", "Crypto"],
            SOURCES_CF,
            product="BTC15M",
        )
    )
    a15 = a - a % 900
    first = a15 - (b.live_hours + b.hist_hours) * HOUR
    oldest = a15 - b.history_days * DAY
    if oldest < first:
        # Long history (history_days): its own random stream, so the rest of the universe is unchanged, and
        # busier windows (a few hundred trades each, as the live series trades).
        shared, b.rng = b.rng, random.Random(b.seed * 131 + 7)
        try:
            for open_ts in range(oldest, first, 900):
                _window(b, open_ts, n_max=HISTORY_TRADES_MAX)
        finally:
            b.rng = shared
    for open_ts in range(first, a15 + 8 * 900 + 1, 900):
        _window(b, open_ts, n_max=25)


def _window(b: Builder, open_ts: int, *, n_max: int) -> None:
    """One window: its event and market, priced from a latent BTC path once closed (``history.latent_probs``)."""
    u, a = b.u, b.anchor
    close_ts = open_ts + 900
    d_close, d_open = et(close_ts), et(open_ts)
    event = f"KXBTC15M-{et_code(d_close)}"
    ticker = f"{event}-{d_close.minute:02d}"
    if ticker in b.tickers:
        return  # the repeated hour when DST ends gives the same code twice; keep the first
    b.tickers.add(ticker)
    target, final = b.btc_at(open_ts), b.btc_at(close_ts)
    target_sub = f"Target Price: ${target / 100:,.2f}"  # one string for both sides
    life = Life(
        open_ts - 3 * HOUR,
        open_ts,
        close_ts,
        close_ts + 300,
        close_ts + 360,
        "yes" if final >= target else "no",
        f"{final / 100:.2f}",
        on_open={
            "floor_strike": target / 100,
            "yes_sub_title": target_sub,
            "no_sub_title": target_sub,
        },
    )
    close_clock = et_clock(d_close)
    rules = (
        f"If the simple average of the sixty seconds of CF Benchmarks' BRTI before {close_clock}"
        f" is at least the simple average of the sixty seconds of BRTI before {et_clock(d_open)},"
        " the market resolves to Yes."
    )
    if open_ts <= a < close_ts:
        drift = (b.btc_at(open_ts + 900 * ((a - open_ts) // 900)) - target) / max(target * 0.001, 1)
        p_final = min(max(0.5 + drift * 0.3, 0.03), 0.97)
    else:
        p_final = 0.96 if life.result == "yes" else 0.04
    m = b.market(
        ticker=ticker,
        event=event,
        title="BTC price up in next 15 mins?",
        yes_sub="Target price: TBD",
        no_sub="Target price: TBD",
        life=life,
        structure="linear_cent",
        rules=rules,
        timer=60,
        strike={"strike_type": "greater_or_equal"},
    )
    h = b.hist(
        ticker, "linear_cent", life, 60, p_final, n_max=n_max, per_trade=400, fractional=False, amp=6.0
    )
    if close_ts <= a:
        h.latent_z = math.log(final / target) / BTC_SD_15M  # >= 0 exactly when the result is yes
    else:
        h.open_bid = bisect.bisect_left(GRIDS["linear_cent"], PIP // 2) - 1  # opens around 49c / 51c
    b.summarize(m, h)
    u.events.append(
        event_dict(
            event,
            "KXBTC15M",
            "BTC 15 min",
            f"{et_day(d_close)[:-6]}, {close_clock}",
            "Crypto",
            strike_ts=close_ts,
            sources=SOURCES_CF,
            updated_ts=open_ts - 3 * HOUR,
        )
    )
    b.add_market(m, life, h, "KXBTC15M")
