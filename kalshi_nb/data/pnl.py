"""The account's own P&L: realized per market and series, fees, open exposure, and an equity curve.

Rebuilt from the fills and settlements (``fills_df``, ``settlements_df``), in exact integers (micro-dollars,
hundredths of a contract), with Kalshi's netting: buying YES while holding NO closes pairs worth $1 each
(and the reverse); the closed contracts' cost basis is their average cost, as the exchange books it. At a
settlement the winning contracts pay $1 and the rest of the cost basis is lost.

``realized_pnl_dollars`` is before fees; ``net_pnl_dollars`` after them. ``reported_pnl_dollars`` is the
exchange's own account of a settled market (its settlement's revenue less the costs and fees it reports), so
the two can be compared: they agree when every fill of the market is in the fills.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from ..client import KalshiClient

_MICRO = 1_000_000  # micro-dollars per dollar
_PAIR = 10_000  # micro-dollars a closed pair pays per hundredth of a contract ($1 a contract)
_BY = ("market", "series", "time")

MARKET_COLUMNS = (
    "ticker", "series_ticker", "status", "result", "position_fp", "contracts_bought_fp", "cost_dollars",
    "exposure_dollars", "closed_dollars", "revenue_dollars", "realized_pnl_dollars", "fees_dollars",
    "net_pnl_dollars", "reported_pnl_dollars", "first_fill_time", "last_time",
)  # fmt: skip
EQUITY_COLUMNS = (
    "time", "ticker", "kind", "realized_dollars", "fees_dollars", "cum_realized_dollars", "cum_fees_dollars",
    "equity_dollars", "exposure_dollars",
)  # fmt: skip


def _series_of(ticker: str) -> str:
    # Kalshi tickers start with their series ticker: KXBTC15M-26NOV251245-45 -> KXBTC15M.
    return ticker.split("-", 1)[0]


class _Book:
    """One market's running account (integers: micro-dollars, hundredths of a contract)."""

    __slots__ = ("bought", "closed", "cost", "fees", "first", "last", "no_basis", "pos", "realized",
                 "reported", "result", "revenue", "settled", "yes_basis")  # fmt: skip

    def __init__(self) -> None:
        self.pos = self.yes_basis = self.no_basis = self.realized = self.fees = self.cost = 0
        self.bought = self.closed = self.revenue = 0
        self.settled = False
        self.result = ""
        self.reported: int | None = None
        self.first: Any = None
        self.last: Any = None

    def fill(self, buys_yes: bool, count: int, price: int, fee: int) -> int:
        """Book a purchase of ``count`` hundredths at ``price`` pips; return the realized P&L it makes."""
        opposite = max(0, -self.pos) if buys_yes else max(0, self.pos)
        close = min(count, opposite)
        realized = 0
        if close:
            basis = self.no_basis if buys_yes else self.yes_basis
            removed = basis * close // opposite
            if buys_yes:
                self.no_basis -= removed
            else:
                self.yes_basis -= removed
            self.closed += close * _PAIR
            realized = close * _PAIR - removed - close * price
        opened = count - close
        if buys_yes:
            self.yes_basis += opened * price
        else:
            self.no_basis += opened * price
        self.pos += count if buys_yes else -count
        self.cost += count * price
        self.bought += count
        self.fees += fee
        self.realized += realized
        return realized

    def settle(self, result: str, revenue: int, reported: int) -> int:
        realized = revenue - self.yes_basis - self.no_basis
        self.realized += realized
        self.revenue += revenue
        self.yes_basis = self.no_basis = self.pos = 0
        self.settled, self.result, self.reported = True, result, reported
        return realized


def _micro(value: Any) -> int:
    x = float(value) if value is not None else 0.0
    return 0 if math.isnan(x) else round(x * _MICRO)  # a missing fee counts as 0


def pnl_frames(fills: pd.DataFrame, settlements: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Pure: the per-market P&L and the equity curve from a ``fills_frame`` and a ``settlements_frame``.

    Example:
        >>> import pandas as pd
        >>> from kalshi_nb import frames
        >>> fills = frames.fills_frame([{"fill_id": "f1", "ticker": "KXBTC-A", "outcome_side": "yes",
        ...     "count_fp": "10.00", "yes_price_dollars": "0.4000", "no_price_dollars": "0.6000",
        ...     "fee_cost": "0.17", "created_time": "2026-09-07T02:00:00Z"}])
        >>> settled = frames.settlements_frame([{"ticker": "KXBTC-A", "market_result": "yes", "revenue": 1000,
        ...     "yes_count_fp": "10.00", "yes_total_cost_dollars": "4.00", "no_count_fp": "0.00",
        ...     "no_total_cost_dollars": "0.00", "fee_cost": "0.17", "settled_time": "2026-09-07T03:00:00Z"}])
        >>> markets, equity = pnl_frames(fills, settled)
        >>> markets[["ticker", "realized_pnl_dollars", "fees_dollars", "net_pnl_dollars"]].to_dict("records")
        [{'ticker': 'KXBTC-A', 'realized_pnl_dollars': 6.0, 'fees_dollars': 0.17, 'net_pnl_dollars': 5.83}]
        >>> equity["equity_dollars"].tolist()
        [-0.17, 5.83]
    """
    import pandas as pd

    events: list[tuple[Any, int, int, dict]] = []
    for i, f in enumerate(fills.to_dict("records")):
        events.append((f["created_time"], 0, i, f))
    for i, s in enumerate(settlements.to_dict("records")):
        events.append((s["settled_time"], 1, i, s))  # a fill at the same instant is booked first
    events.sort(key=lambda e: (pd.Timestamp(e[0]), e[1], e[2]))
    books: dict[str, _Book] = {}
    curve = []
    cum_realized = cum_fees = exposure = 0
    for when, kind, _, row in events:
        ticker = str(row["ticker"])
        book = books.setdefault(ticker, _Book())
        before = book.yes_basis + book.no_basis
        if kind == 0:
            yes = str(row["outcome_side"]) == "yes"
            price = round(float(row["yes_price_dollars" if yes else "no_price_dollars"]) * 10_000)
            fee = _micro(row.get("fee_cost", 0))
            realized = book.fill(yes, round(float(row["count_fp"]) * 100), price, fee)
            book.first = when if book.first is None else book.first
        else:
            fee = 0
            revenue = int(row["revenue"]) * 10_000  # cents -> micro-dollars
            reported = (
                revenue
                - _micro(row["yes_total_cost_dollars"])
                - _micro(row["no_total_cost_dollars"])
                - _micro(row.get("fee_cost", 0))
            )
            realized = book.settle(str(row["market_result"]), revenue, reported)
        book.last = when
        exposure += book.yes_basis + book.no_basis - before
        cum_realized += realized
        cum_fees += fee
        curve.append(
            (
                when,
                ticker,
                "fill" if kind == 0 else "settlement",
                realized,
                fee,
                cum_realized,
                cum_fees,
                cum_realized - cum_fees,
                exposure,
            )
        )
    d = _MICRO
    rows = [
        {
            "ticker": t,
            "series_ticker": _series_of(t),
            "status": "settled" if b.settled else "open",
            "result": b.result,
            "position_fp": b.pos / 100,
            "contracts_bought_fp": b.bought / 100,
            "cost_dollars": b.cost / d,
            "exposure_dollars": (b.yes_basis + b.no_basis) / d,
            "closed_dollars": b.closed / d,
            "revenue_dollars": b.revenue / d,
            "realized_pnl_dollars": b.realized / d,
            "fees_dollars": b.fees / d,
            "net_pnl_dollars": (b.realized - b.fees) / d,
            "reported_pnl_dollars": b.reported / d if b.reported is not None else float("nan"),
            "first_fill_time": b.first,
            "last_time": b.last,
        }
        for t, b in books.items()
    ]
    markets = pd.DataFrame(rows, columns=list(MARKET_COLUMNS))
    for c in ("first_fill_time", "last_time"):
        markets[c] = pd.to_datetime(markets[c], utc=True)
    markets = markets.sort_values(["last_time", "ticker"], kind="stable").reset_index(drop=True)
    equity = pd.DataFrame(curve, columns=list(EQUITY_COLUMNS))
    equity["time"] = pd.to_datetime(equity["time"], utc=True)
    for c in EQUITY_COLUMNS[3:]:
        equity[c] = equity[c].astype(float) / d
    return markets, equity


def _by_series(markets: pd.DataFrame) -> pd.DataFrame:
    money = ["cost_dollars", "exposure_dollars", "closed_dollars", "revenue_dollars", "realized_pnl_dollars",
             "fees_dollars", "net_pnl_dollars"]  # fmt: skip
    g = markets.groupby("series_ticker", sort=True)
    out = g[money].sum()
    out.insert(0, "markets", g.size())
    out.insert(1, "open_markets", g["status"].apply(lambda s: int((s == "open").sum())))
    return out.reset_index()


def pnl_df(
    by: str = "market", *, client: KalshiClient | None = None, progress: bool | None = None
) -> pd.DataFrame:
    """The account's P&L from its fills and settlements: ``by="market"`` (one row per market traded),
    ``"series"`` (summed per series) or ``"time"`` (the equity curve: one row per fill or settlement, with
    the running realized P&L, fees, ``equity_dollars`` = realized less fees, and the open exposure at cost).

    Example:
        >>> import kalshi_nb
        >>> client = kalshi_nb.connect("sandbox")
        >>> pnl_df(client=client).columns[:4].tolist()
        ['ticker', 'series_ticker', 'status', 'result']
        >>> pnl_df("series", client=client).columns[:3].tolist()
        ['series_ticker', 'markets', 'open_markets']
    """
    if by not in _BY:
        raise ValueError(f"by must be one of {', '.join(map(repr, _BY))}, got {by!r}")
    from .portfolio import fills_df, settlements_df

    fills = fills_df(client=client, progress=progress)
    settlements = settlements_df(client=client, progress=progress)
    markets, equity = pnl_frames(fills, settlements)
    if by == "time":
        return equity
    if by == "series":
        return _by_series(markets)
    return markets
