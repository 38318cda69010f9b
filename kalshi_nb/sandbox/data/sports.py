"""KXNFLGAME games (one of every market status) and the multivariate (parlay) markets built on them."""

from __future__ import annotations

from .builder import Builder
from .records import Life, event_dict, series_dict
from .times import DAY, HOUR, MONTHS, et

# "All combo markets" moved to this grid on 2026-08-27 (kalshi-api.md 2nd ed. §D).
COMBO_GRID = "center_deci_edge_centi_cent"

NFL_TEAMS = (
    "KC",
    "BAL",
    "BUF",
    "PHI",
    "DAL",
    "SF",
    "GB",
    "DET",
    "MIA",
    "CIN",
    "LAR",
    "NYJ",
    "PIT",
    "SEA",
    "MIN",
    "HOU",
    "LV",
    "DEN",
    "CHI",
    "ATL",
    "NO",
    "TB",
    "CLE",
    "JAX",
    "IND",
    "TEN",
)


def nfl(b: Builder) -> list[tuple[str, str, float, int]]:
    u, a, rng = b.u, b.anchor, b.rng
    u.series.append(
        series_dict(
            "KXNFLGAME",
            "Professional Football Game",
            "Sports",
            "custom",
            ["Football"],
            [{"name": "NFL", "url": "https://www.nfl.com/"}],
            product="NFLGAME",
        )
    )
    teams = list(NFL_TEAMS)
    rng.shuffle(teams)
    # (created, open, close=game end, determined, finalized) relative to the anchor: one game of each
    # status, so every market status exists whatever the anchor.
    games = [
        (-9 * DAY, -7 * DAY, -3 * HOUR, -3 * HOUR + 600, 3 * HOUR),  # determined (review period)
        (-7 * DAY, -5 * DAY, -20 * 60, 40 * 60, 2 * HOUR),  # closed, awaiting the result
        (-7 * DAY, -5 * DAY, 2 * HOUR, 2 * HOUR + 600, 3 * HOUR),  # in play, active
    ]
    kickoff0 = a - a % DAY + 2 * DAY + 17 * HOUR
    for g in range(10):  # next weekend's slate, open
        end = kickoff0 + (g % 3) * 3 * HOUR + 3 * HOUR - a
        games.append((-4 * DAY, -2 * DAY, end, end + 600, end + 3600))
    end = kickoff0 + 7 * DAY + 3 * HOUR - a
    games.append((-DAY, DAY, end, end + 600, end + 3600))  # the week after: not open yet
    legs: list[tuple[str, str, float, int]] = []  # (event, market, p_yes, close_ts)
    for g, (c, o, e, d, f) in enumerate(games):
        away, home = teams[2 * g % len(teams)], teams[(2 * g + 1) % len(teams)]
        close_ts = a + e
        kickoff = close_ts - 3 * HOUR
        ed = et(kickoff)
        event = f"KXNFLGAME-{ed.year % 100:02d}{MONTHS[ed.month - 1]}{ed.day:02d}{away}{home}"
        title = f"{away} at {home}"
        u.events.append(
            event_dict(
                event,
                "KXNFLGAME",
                title,
                f"{away} vs {home} ({ed.strftime('%b')} {ed.day})",
                "Sports",
                strike_ts=kickoff,
                exclusive=True,
                updated_ts=a + c,
                sources=[{"name": "NFL", "url": "https://www.nfl.com/"}],
            )
        )
        p_home = 0.3 + rng.random() * 0.4
        home_wins = rng.random() < p_home
        for team, p, wins in ((away, 1 - p_home, not home_wins), (home, p_home, home_wins)):
            ticker = f"{event}-{team}"
            life = Life(a + c, a + o, close_ts, a + d, a + f, "yes" if wins else "no", team if wins else "")
            p_final = p if close_ts > a else (0.98 if wins else 0.01)
            m = b.market(
                ticker=ticker,
                event=event,
                title=f"{title} Winner?",
                yes_sub=team,
                no_sub=team,
                life=life,
                structure="linear_cent",
                timer=int(f - d),
                rules=f"If {team} wins the {title} professional football game originally scheduled"
                f" for {ed.strftime('%b')} {ed.day}, {ed.year}, then the market resolves to Yes.",
                can_close_early=True,
            )
            h = b.hist(ticker, "linear_cent", life, 300, p_final, n_max=30, per_trade=600, fractional=False)
            b.summarize(m, h)
            b.add_market(m, life, h, "KXNFLGAME")
            if close_ts > a + 60:
                legs.append((event, ticker, p, close_ts))
    return legs


def mve(b: Builder, legs: list[tuple[str, str, float, int]]) -> None:
    """Multivariate (parlay) markets over the open NFL games: one market per event, as live."""
    u, a, rng = b.u, b.anchor, b.rng
    series = "KXMVESPORTSMULTIGAMEEXTENDED"
    u.series.append(
        series_dict(
            series,
            "Multi-game sports combos",
            "Sports",
            "custom",
            ["Football", "Combo"],
            [],
            fee_type="quadratic_with_combo_maker_fees",
            product="MVESPORTS",
        )
    )
    games = sorted({leg[0] for leg in legs})
    by_game = {g: [leg for leg in legs if leg[0] == g] for g in games}
    salt = b.seed & 0xFFFF
    # One selected-leg dict per (leg market, side), shared by every combo that picks it: a few hundred
    # distinct legs against 50,000 combos at 200,000 markets, so most of the combos' memory went on copies.
    leg_dicts: dict[tuple[str, str], dict] = {}
    for i in range(b.n_mve):
        code = f"{(i * 0x9E3779B97F4A7C15 + salt) & 0xFFFFFFFFFFFF:012X}"
        event = f"{series}-S2026{code[:11]}"
        ticker = f"{event}-{code[6:]}{i % 97:02d}"
        chosen = rng.sample(games, min(len(games), 2 + i % 4))
        sel, p, wins_all, close_ts = [], 1.0, True, a
        for g in chosen:
            ev, mk, p_yes, c = rng.choice(by_game[g])
            side = "yes" if rng.random() < 0.8 else "no"
            lp = p_yes if side == "yes" else 1 - p_yes
            leg = leg_dicts.get((mk, side))
            if leg is None:
                leg = leg_dicts[mk, side] = {
                    "event_ticker": ev,
                    "market_ticker": mk,
                    "side": side,
                    "yes_settlement_value_dollars": "1.0000",
                }
            sel.append(leg)
            leg_life = u.life[mk]
            wins_all &= (leg_life.result == "yes") == (side == "yes")
            p *= lp
            close_ts = max(close_ts, c)
        life = Life(
            a - DAY, a - DAY, close_ts, close_ts + 900, close_ts + 1800, "yes" if wins_all else "no", ""
        )
        names = ",".join(f"{s['side']} {s['market_ticker'].rsplit('-', 1)[1]}" for s in sel)
        u.events.append(event_dict(event, series, names, names, "Sports", updated_ts=a - DAY))
        m = b.market(
            ticker=ticker,
            event=event,
            title=names,
            yes_sub=names,
            no_sub=names,
            life=life,
            structure=COMBO_GRID,
            timer=900,
            rules="If every selected leg resolves as chosen, then the market resolves to Yes.",
            extra={"mve_collection_ticker": series, "mve_selected_legs": sel},
        )
        h = b.hist(
            ticker,
            COMBO_GRID,
            life,
            600,
            min(max(p, 0.02), 0.95),
            n_max=0 if rng.random() < 0.9 else 3,
            per_trade=20,
            fractional=False,
        )
        b.summarize(m, h)
        b.add_market(m, life, h, series)
