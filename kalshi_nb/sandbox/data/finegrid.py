"""Markets on the 2026 price grids: the seven ``center_*`` structures (KXINXY, one strike each),
``center_deci_edge_centi_cent`` (KXRECSSNBER), ``center_centi_edge_centi_cent`` (KXALIENS) and
``banded_centi_cent`` (KXMARSLAND), so every grid of the AsyncAPI enum trades somewhere.

Which live series use which grid is not documented (beyond "all combo markets" on
``center_deci_edge_centi_cent``, see ``sports.COMBO_GRID``); the choice here is for coverage.
"""

from __future__ import annotations

from .builder import Builder
from .grids import CENTER_STRUCTURES
from .records import Life, event_dict, series_dict
from .times import DAY, MONTHS, et


def fine_grids(b: Builder) -> None:
    u, a, rng = b.u, b.anchor, b.rng
    day = a - a % DAY

    # KXINXY: the S&P 500 at a quarter's end, one strike per center_* grid.
    u.series.append(
        series_dict(
            "KXINXY",
            "S&P 500 at the quarter's end",
            "Financials",
            "quarterly",
            ["S&P 500", "Indices"],
            [{"name": "S&P Dow Jones Indices", "url": "https://www.spglobal.com/spdji/"}],
            product="INXY",
        )
    )
    close_ts = day + 75 * DAY + 21 * 3600
    d = et(close_ts)
    event = f"KXINXY-{d.year % 100:02d}{MONTHS[d.month - 1]}{d.day:02d}"
    when = f"{d.strftime('%b')} {d.day}, {d.year}"
    u.events.append(
        event_dict(
            event,
            "KXINXY",
            f"S&P 500 on {when}?",
            when,
            "Financials",
            strike_ts=close_ts,
            updated_ts=day - 40 * DAY,
        )
    )
    final = 6300 + int(rng.random() * 1400)
    for k, structure in enumerate(CENTER_STRUCTURES):
        level = 5500 + 500 * k
        p = min(max(1 - (level - 5400) / 3300, 0.03), 0.97)
        ticker = f"{event}-T{level}"
        life = Life(
            day - 40 * DAY,
            day - 30 * DAY,
            close_ts,
            close_ts + 3600,
            close_ts + 7200,
            "yes" if final > level else "no",
            f"{final:.2f}",
        )
        m = b.market(
            ticker=ticker,
            event=event,
            title=f"S&P 500 on {when}?",
            yes_sub=f"Above {level:,}",
            no_sub=f"Above {level:,}",
            life=life,
            structure=structure,
            timer=3600,
            rules=f"If the S&P 500 closes above {level:,} on {when}, then the market resolves to Yes.",
            strike={"strike_type": "greater", "floor_strike": level},
        )
        h = b.hist(ticker, structure, life, 3600, p, n_max=30, per_trade=200, fractional=True)
        b.summarize(m, h)
        b.add_market(m, life, h, "KXINXY")

    # Long shots on the $0.0001 grids: the price sits below a cent, where those ticks matter.
    for series, title, category, structure, p in (
        ("KXRECSSNBER", "US recession declared this year?", "Economics", "center_deci_edge_centi_cent", 0.0062),
        ("KXALIENS", "Extraterrestrial life confirmed?", "Science and Technology", "center_centi_edge_centi_cent",
         0.0031),
        ("KXMARSLAND", "Humans land on Mars?", "Science and Technology", "banded_centi_cent", 0.012),
    ):  # fmt: skip
        u.series.append(series_dict(series, title, category, "annual", [category], []))
        ticker = f"{series}-{(et(day).year + 1) % 100:02d}"
        life = Life(
            day - 90 * DAY, day - 80 * DAY, day + 200 * DAY, day + 201 * DAY, day + 202 * DAY, "no", ""
        )
        u.events.append(
            event_dict(ticker, series, title, "Before the year's end", category, updated_ts=life.created_ts)
        )
        m = b.market(
            ticker=ticker,
            event=ticker,
            title=title,
            yes_sub=title,
            no_sub=title,
            life=life,
            structure=structure,
            timer=86400,
            rules=f"If {title[:-1].lower()} before the market closes, then the market resolves to Yes.",
            can_close_early=True,
        )
        h = b.hist(ticker, structure, life, 3600, p, n_max=20, per_trade=500, fractional=True)
        b.summarize(m, h)
        b.add_market(m, life, h, series)
