"""KXBTC: the hourly BTC price-range ladder (a mutually exclusive event of eleven strikes)."""

from __future__ import annotations

import math

from .builder import Builder
from .records import SOURCES_CF, Life, event_dict, series_dict
from .times import HOUR, et, et_clock, et_code, et_day


def _normal_cdf(x: float) -> float:
    return 0.5 * (1 + math.erf(x / math.sqrt(2)))


def btc_ladder(b: Builder) -> None:
    u, a = b.u, b.anchor
    u.series.append(
        series_dict(
            "KXBTC",
            "Bitcoin price range",
            "Crypto",
            "hourly",
            ["BTC", "Crypto"],
            SOURCES_CF,
            product="BTC",
        )
    )
    ah = a - a % HOUR
    first = ah - (b.live_hours + b.hist_hours) * HOUR
    for open_ts in range(first, ah + 2 * HOUR + 1, HOUR):
        close_ts = open_ts + HOUR
        d_close = et(close_ts)
        event = f"KXBTC-{et_code(d_close, minutes=False)}"
        if event in b.tickers:
            continue
        b.tickers.add(event)
        center = round(b.btc_at(open_ts) / 100 / 500) * 500
        final = b.btc_at(close_ts) / 100
        # One object each for the event's eleven markets:
        expiration_value = f"{final:.2f}"
        created_ts, determine_ts, finalize_ts = open_ts - HOUR, close_ts + 300, close_ts + 600
        clock, day_str = et_clock(d_close), et_day(d_close)
        when = f"{day_str} at {clock}"
        title = f"Bitcoin price range on {when}?"
        u.events.append(
            event_dict(
                event,
                "KXBTC",
                title,
                when,
                "Crypto",
                strike_ts=close_ts,
                exclusive=True,
                sources=SOURCES_CF,
                updated_ts=open_ts - HOUR,
            )
        )
        lows = [center - 2500 + 500 * k for k in range(10)]
        legs: list[tuple[str, str, dict, bool]] = []
        bottom = lows[0] - 0.01
        legs.append(
            (
                f"T{bottom:.2f}",
                b.share(f"${bottom:,.2f} or below"),
                {"strike_type": "less", "cap_strike": bottom},
                final <= bottom,
            )
        )
        for lo in lows:
            cap = lo + 499.99
            legs.append(
                (
                    f"B{lo + 250}",
                    b.share(f"${lo:,} to {cap:,.2f}"),
                    {"strike_type": "between", "floor_strike": lo, "cap_strike": cap},
                    lo <= final < lo + 500,
                )
            )
        top = lows[-1] + 499.99
        legs.append(
            (
                f"T{top:.2f}",
                b.share(f"${top + 0.01:,.0f} or above"),
                {"strike_type": "greater", "floor_strike": top},
                final > top,
            )
        )
        # Two Life objects for the eleven markets, one per result: nothing changes a ladder market's Life
        # after the build (only a rolling KXBTC15M window's is set, windows.py), so siblings can share one.
        lives = {
            wins: Life(
                created_ts,
                open_ts,
                close_ts,
                determine_ts,
                finalize_ts,
                "yes" if wins else "no",
                expiration_value,
            )
            for wins in (True, False)
        }
        first_market = len(u.markets)
        sigma = max(b.btc_at(open_ts) / 100 * 0.004, 1.0)
        spot = b.btc_at(open_ts + 900 * max(0, min(3, (a - open_ts) // 900))) / 100
        for suffix, sub, strike, wins in legs:
            ticker = f"{event}-{suffix}"
            b.tickers.add(ticker)
            life = lives[wins]
            if open_ts <= a < close_ts:
                lo = strike.get("floor_strike", -1e12)
                hi = strike.get("cap_strike", 1e12)
                p = _normal_cdf((hi - spot) / sigma) - _normal_cdf((lo - spot) / sigma)
                p_final = min(max(p, 0.02), 0.97)
            else:
                p_final = 0.97 if wins else 0.02
            rules = (
                f"If the simple average of the sixty seconds of CF Benchmarks' BRTI before {clock}"
                f" on {day_str} is {sub.removeprefix('$')}, then the market resolves to Yes."
            )
            m = b.market(
                ticker=ticker,
                event=event,
                title=title,
                yes_sub=sub,
                no_sub=sub,
                life=life,
                structure="linear_cent",
                rules=rules,
                timer=300,
                strike=strike,
            )
            h = b.hist(ticker, "linear_cent", life, 60, p_final, n_max=8, per_trade=150, fractional=False)
            b.summarize(m, h)
            b.add_market(m, life, h, "KXBTC")
        b.share_siblings(first_market)
