"""KXFEDDECISION: Fed meetings (past, next, later), five mutually exclusive outcomes each, fractional."""

from __future__ import annotations

from .builder import Builder
from .records import Life, event_dict, series_dict
from .times import DAY, HOUR, MONTHS, et


def fed(b: Builder) -> None:
    u, a, rng = b.u, b.anchor, b.rng
    u.series.append(
        series_dict(
            "KXFEDDECISION",
            "Fed meeting",
            "Economics",
            "custom",
            ["Fed", "Interest rates"],
            [{"name": "Federal Reserve", "url": "https://www.federalreserve.gov/"}],
            fee_type="quadratic_with_maker_fees",
            product="FEDDECISION",
        )
    )
    day = a - a % DAY
    options = [
        ("H0", "Hold"),
        ("C25", "Cut 25bps"),
        ("C26", "Cut >25bps"),
        ("H25", "Hike 25bps"),
        ("H26", "Hike >25bps"),
    ]
    for open_ts, decision_ts in (
        (day - 100 * DAY, day - 22 * DAY + 18 * HOUR),
        (day - 60 * DAY, day + 20 * DAY + 18 * HOUR),
        (day + 3 * DAY, day + 62 * DAY + 18 * HOUR),
    ):
        d = et(decision_ts)
        event = f"KXFEDDECISION-{d.year % 100:02d}{MONTHS[d.month - 1]}"
        when = f"{d.strftime('%b')} {d.year}"
        u.events.append(
            event_dict(
                event,
                "KXFEDDECISION",
                f"Fed decision in {when}?",
                when,
                "Economics",
                strike_ts=decision_ts,
                exclusive=True,
                updated_ts=open_ts,
                sources=[{"name": "Federal Reserve", "url": "https://www.federalreserve.gov/"}],
            )
        )
        raw = [0.55 + rng.random() * 0.2, 0.2 + rng.random() * 0.1, 0.03, 0.03, 0.01]
        probs = [p / sum(raw) for p in raw]
        winner = rng.choices(range(5), probs)[0]
        for k, (code, sub) in enumerate(options):
            ticker = f"{event}-{code}"
            life = Life(
                open_ts - DAY,
                open_ts,
                decision_ts,
                decision_ts + 1800,
                decision_ts + 5400,
                "yes" if k == winner else "no",
                sub,
            )
            p_final = probs[k] if a < decision_ts else (0.98 if k == winner else 0.01)
            m = b.market(
                ticker=ticker,
                event=event,
                title=f"Fed decision in {when}?",
                yes_sub=sub,
                no_sub=sub,
                life=life,
                structure="linear_cent",
                timer=3600,
                rules=f"If the Federal Reserve's decision in {when} is {sub}, then the market resolves"
                " to Yes.",
                strike={"strike_type": "custom", "custom_strike": {"decision": code}},
            )
            h = b.hist(ticker, "linear_cent", life, HOUR, p_final, n_max=40, per_trade=800, fractional=True)
            b.summarize(m, h)
            b.add_market(m, life, h, "KXFEDDECISION")
