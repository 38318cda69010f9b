"""Sub-penny price grids with fractional trading: KXGREENLAND (deci_cent) and KXGDPNOM (tapered_deci_cent)."""

from __future__ import annotations

from datetime import datetime, timezone

from .builder import Builder
from .records import Life, event_dict, series_dict
from .times import DAY, HOUR, to_ts


def subpenny(b: Builder) -> None:
    """Sub-penny grids (DOC-subpenny's first markets) with fractional trading."""
    u, a, rng = b.u, b.anchor, b.rng
    day = a - a % DAY
    u.series.append(
        series_dict(
            "KXGREENLAND",
            "Will the US acquire Greenland?",
            "Politics",
            "one_off",
            ["Geopolitics"],
            [],
            product="GREENLAND",
        )
    )
    life = Life(
        day - 220 * DAY,
        day - 200 * DAY,
        to_ts(datetime(2029, 1, 20, 17, tzinfo=timezone.utc)),
        to_ts(datetime(2029, 1, 20, 18, tzinfo=timezone.utc)),
        to_ts(datetime(2029, 1, 21, 18, tzinfo=timezone.utc)),
        "no",
        "",
    )
    ticker = "KXGREENLAND-29"
    u.events.append(
        event_dict(
            ticker,
            "KXGREENLAND",
            "Will the US acquire Greenland before 2029?",
            "Before Jan 20, 2029",
            "Politics",
            updated_ts=life.created_ts,
        )
    )
    m = b.market(
        ticker=ticker,
        event=ticker,
        title="Will the US acquire Greenland before 2029?",
        yes_sub="Before 2029",
        no_sub="Before 2029",
        life=life,
        structure="deci_cent",
        timer=86400,
        rules="If the United States acquires Greenland before Jan 20, 2029, then the market resolves to Yes.",
        can_close_early=True,
    )
    h = b.hist(
        ticker,
        "deci_cent",
        life,
        HOUR,
        0.043 + rng.random() * 0.05,
        n_max=60,
        per_trade=300,
        fractional=True,
    )
    b.summarize(m, h)
    b.add_market(m, life, h, "KXGREENLAND")

    u.series.append(
        series_dict(
            "KXGDPNOM",
            "Nominal GDP",
            "Economics",
            "annual",
            ["GDP"],
            [{"name": "IMF", "url": "https://www.imf.org/"}],
            product="GDPNOM",
        )
    )
    event = "KXGDPNOM-RUS26"
    u.events.append(
        event_dict(
            event,
            "KXGDPNOM",
            "Russia nominal GDP in 2026?",
            "2026",
            "Economics",
            updated_ts=day - 120 * DAY,
            strike_ts=day + 150 * DAY,
        )
    )
    for k, (level, p) in enumerate(((2.0, 0.955), (2.2, 0.71), (2.4, 0.42), (2.6, 0.12), (2.8, 0.031))):
        ticker = f"{event}-T{level}"
        life = Life(
            day - 120 * DAY,
            day - 100 * DAY,
            day + 150 * DAY,
            day + 151 * DAY,
            day + 152 * DAY,
            "yes" if level <= 2.3 else "no",
            "2.31",
        )
        m = b.market(
            ticker=ticker,
            event=event,
            title="Russia nominal GDP in 2026?",
            yes_sub=f"Above ${level} trillion",
            no_sub=f"Above ${level} trillion",
            life=life,
            structure="tapered_deci_cent",
            timer=86400,
            rules=f"If Russia's 2026 nominal GDP is above ${level} trillion, then the market resolves"
            " to Yes.",
            strike={"strike_type": "greater", "floor_strike": level * 1e12},
        )
        h = b.hist(ticker, "tapered_deci_cent", life, HOUR, p, n_max=30, per_trade=200, fractional=k < 3)
        b.summarize(m, h)
        b.add_market(m, life, h, "KXGDPNOM")
