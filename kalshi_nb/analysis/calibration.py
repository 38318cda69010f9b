"""Are prices calibrated? Prices at fixed times before the close, reliability tables, the Brier score.

Pure functions over DataFrames shaped by :mod:`kalshi_nb.frames` (``trades_df`` or ``candles_df`` with a
``ticker`` column, and ``markets_df``); nothing here touches the network. pandas and numpy are imported
inside the functions so that resolving ``kalshi_nb``'s public names stays light.

A forecast is the YES price read as a probability; an outcome is 1 when the market settled YES, 0 for NO.
The Brier score is the mean of ``(price - outcome) ** 2``; Murphy's decomposition splits it, over groups of
forecasts, as ``brier = reliability - resolution + uncertainty + within``, where ``within`` (the variance and
covariance of the forecasts inside each group, Stephenson et al. 2008) is 0 when each group holds one
forecast value (``bins=None``: group by distinct price).

Example:
    >>> import pandas as pd
    >>> p = pd.DataFrame({"minutes_before": [1, 1, 1, 1], "price": [0.9, 0.9, 0.2, 0.2],
    ...                   "outcome": [1, 0, 0, 0]})
    >>> d = brier_decomposition(p["price"], p["outcome"])
    >>> round(d["brier"], 3), round(d["reliability"] - d["resolution"] + d["uncertainty"], 3)
    (0.225, 0.225)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

Z95 = 1.959963984540054  # the two-sided 95% normal quantile
_EDGE_TOLERANCE = 1e-9  # a price this close below a bin edge counts as on it

_TRADE_COLUMNS = ("ticker", "created_time", "yes_price_dollars")
_CANDLE_COLUMNS = ("ticker", "end_period_ts", "yes_bid_close_dollars", "yes_ask_close_dollars")
_MARKET_COLUMNS = ("ticker", "close_time", "result")


def _require(df: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(f"{what} lacks the columns {missing}; pass a frame from kalshi_nb.frames ({what})")


def prices_before_close(
    trades_or_candles: pd.DataFrame,
    markets: pd.DataFrame,
    minutes: Sequence[int] = (10, 5, 1),
) -> pd.DataFrame:
    """The YES price of each settled market ``minutes`` before its close, with its outcome.

    From trades (``trades_df`` columns): the price of the last trade at or before that instant. From
    candles (``candles_df`` with a ``ticker`` column): the mid of the YES bid and ask at the close of the
    last candle ending at or before it (the quote in force then). A market with no trade (or candle) by
    then has no row for that time. Markets that did not settle YES or NO are left out.

    Returns one row per market and time: ``ticker``, ``close_time``, ``minutes_before``, ``price``
    (0 to 1), ``outcome`` (1 = settled YES).

    Example:
        >>> import pandas as pd
        >>> t = pd.Timestamp("2026-09-07 02:45", tz="UTC")
        >>> markets = pd.DataFrame({"ticker": ["A"], "close_time": [t], "result": ["yes"]})
        >>> trades = pd.DataFrame({"ticker": ["A", "A"], "yes_price_dollars": [0.55, 0.8],
        ...                        "created_time": [t - pd.Timedelta(minutes=7), t - pd.Timedelta(seconds=30)]})
        >>> prices_before_close(trades, markets, minutes=(10, 5, 1))[["minutes_before", "price", "outcome"]]
           minutes_before  price  outcome
        0               5   0.55        1
        1               1   0.55        1
    """
    import pandas as pd

    _require(markets, _MARKET_COLUMNS, "markets_df")
    if "created_time" in trades_or_candles.columns:
        _require(trades_or_candles, _TRADE_COLUMNS, "trades_df")
        obs = trades_or_candles[["ticker", "created_time", "yes_price_dollars"]].rename(
            columns={"created_time": "ts", "yes_price_dollars": "price"}
        )
    else:
        _require(trades_or_candles, _CANDLE_COLUMNS, "candles_df with a ticker column")
        c = trades_or_candles
        mid = (c["yes_bid_close_dollars"].astype(float) + c["yes_ask_close_dollars"].astype(float)) / 2
        obs = pd.DataFrame({"ticker": c["ticker"], "ts": c["end_period_ts"], "price": mid})
    obs = obs.dropna(subset=["price", "ts"])
    obs = obs.assign(ticker=obs["ticker"].astype(str), price=obs["price"].astype(float))
    settled = markets[markets["result"].astype(str).isin(["yes", "no"])]
    base = pd.DataFrame(
        {
            "ticker": settled["ticker"].astype(str).to_numpy(),
            "close_time": settled["close_time"].to_numpy(),
            "outcome": (settled["result"].astype(str) == "yes").astype(int).to_numpy(),
        }
    )
    base["close_time"] = pd.to_datetime(base["close_time"], utc=True)
    obs["ts"] = pd.to_datetime(obs["ts"], utc=True).astype("datetime64[ns, UTC]")
    obs = obs.sort_values("ts", kind="stable")
    parts = []
    for m in minutes:
        q = base.assign(minutes_before=int(m), at=base["close_time"] - pd.Timedelta(minutes=int(m)))
        q["at"] = q["at"].astype("datetime64[ns, UTC]")
        q = q.sort_values("at", kind="stable")
        parts.append(pd.merge_asof(q, obs, left_on="at", right_on="ts", by="ticker", direction="backward"))
    cols = ["ticker", "close_time", "minutes_before", "price", "outcome"]
    if not parts:
        return pd.DataFrame({c: [] for c in cols})
    out = pd.concat(parts, ignore_index=True).dropna(subset=["price"])
    order = {int(m): i for i, m in enumerate(minutes)}
    out = out.assign(_o=out["minutes_before"].map(order)).sort_values(["_o", "close_time", "ticker"])
    return out[cols].reset_index(drop=True)


def wilson_interval(successes: Any, n: Any, z: float = Z95) -> tuple[Any, Any]:
    """Wilson score interval for a binomial share (arrays or scalars); NaN where ``n`` is 0.

    Example:
        >>> lo, hi = wilson_interval(8, 10)
        >>> round(float(lo), 3), round(float(hi), 3)
        (0.49, 0.943)
    """
    import numpy as np

    k = np.asarray(successes, dtype=float)
    n_ = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n_
        denom = 1 + z * z / n_
        centre = (p + z * z / (2 * n_)) / denom
        half = z * np.sqrt(p * (1 - p) / n_ + z * z / (4 * n_ * n_)) / denom
        # Exact at the ends (0 successes: from 0; all: up to 1), which rounding would miss by an ulp.
        lo = np.where(k == 0, 0.0, centre - half)
        hi = np.where(k == n_, 1.0, centre + half)
    return np.where(n_ > 0, lo, np.nan), np.where(n_ > 0, hi, np.nan)


def reliability_table(
    prices: pd.DataFrame, bins: int | Sequence[float] = 10, by: str | None = "minutes_before"
) -> pd.DataFrame:
    """Per probability bin (and per ``by`` group): count, mean price, share settled YES, Wilson 95% interval.

    ``prices`` has ``price`` and ``outcome`` columns (``prices_before_close``). ``bins``: a number of equal
    bins over [0, 1] or the bin edges. Empty bins are left out.

    Example:
        >>> import pandas as pd
        >>> p = pd.DataFrame({"minutes_before": [1] * 4, "price": [0.92, 0.95, 0.1, 0.12], "outcome": [1, 1, 0, 1]})
        >>> reliability_table(p, bins=2)[["bin_lo", "bin_hi", "count", "share_yes"]]
           bin_lo  bin_hi  count  share_yes
        0     0.0     0.5      2        0.5
        1     0.5     1.0      2        1.0
    """
    import numpy as np
    import pandas as pd

    _require(prices, ("price", "outcome"), "prices_before_close")
    edges = np.linspace(0, 1, int(bins) + 1) if isinstance(bins, int) else np.asarray(bins, dtype=float)
    price = prices["price"].astype(float).to_numpy()
    # Bin i holds edges[i] <= price < edges[i+1]; a price of exactly 1 goes in the last bin. Prices sit on
    # a cent grid, often exactly on an edge (0.3), which float edges miss by an ulp: hence the tolerance.
    if isinstance(bins, int):
        raw = np.floor(price * int(bins) + _EDGE_TOLERANCE)
    else:
        raw = np.searchsorted(edges, price + _EDGE_TOLERANCE, side="right") - 1
    idx = np.clip(raw.astype(int), 0, len(edges) - 2)
    df = pd.DataFrame({"bin": idx, "price": price, "outcome": prices["outcome"].astype(float).to_numpy()})
    keys = ["bin"]
    if by is not None:
        df[by] = prices[by].to_numpy()
        keys = [by, "bin"]
    g = df.groupby(keys, sort=True)
    out = g.agg(count=("outcome", "size"), yes=("outcome", "sum"), mean_price=("price", "mean")).reset_index()
    out["share_yes"] = out["yes"] / out["count"]
    lo, hi = wilson_interval(out["yes"].to_numpy(), out["count"].to_numpy())
    out["wilson_lo"], out["wilson_hi"] = lo, hi
    out["bin_lo"] = edges[out["bin"].to_numpy()]
    out["bin_hi"] = edges[out["bin"].to_numpy() + 1]
    out["yes"] = out["yes"].astype(int)
    cols = [*([by] if by is not None else []), "bin_lo", "bin_hi", "count", "yes", "mean_price", "share_yes",
            "wilson_lo", "wilson_hi"]  # fmt: skip
    return out[cols]


def brier_score(prices: Any, outcomes: Any) -> float:
    """Mean squared difference between forecast probabilities and 0/1 outcomes (lower is better).

    Example:
        >>> brier_score([0.9, 0.2], [1, 0])
        0.025
    """
    import numpy as np

    f = np.asarray(prices, dtype=float)
    o = np.asarray(outcomes, dtype=float)
    if f.shape != o.shape or f.size == 0:
        raise ValueError("brier_score needs as many outcomes as prices, at least one")
    return float(np.mean((f - o) ** 2))


def brier_decomposition(prices: Any, outcomes: Any, bins: int | None = None) -> dict[str, float]:
    """Murphy's decomposition of the Brier score: ``brier = reliability - resolution + uncertainty + within``.

    Groups: each distinct price (``bins=None``: then ``within`` is 0) or ``bins`` equal bins over [0, 1].
    ``reliability`` (lower is better) is the count-weighted squared gap between mean price and share YES
    per group; ``resolution`` (higher is better) how far the groups' shares spread from the overall share;
    ``uncertainty`` the overall share times one minus it.

    Example:
        >>> d = brier_decomposition([0.8, 0.8, 0.3], [1, 0, 0])
        >>> {k: round(v, 4) for k, v in d.items()}
        {'brier': 0.2567, 'reliability': 0.09, 'resolution': 0.0556, 'uncertainty': 0.2222, 'within': 0.0, 'count': 3.0}
    """
    import numpy as np

    f = np.asarray(prices, dtype=float)
    o = np.asarray(outcomes, dtype=float)
    brier = brier_score(f, o)
    n = f.size
    if bins is None:
        _, group = np.unique(f, return_inverse=True)
    else:
        group = np.clip(np.floor(f * bins + _EDGE_TOLERANCE).astype(int), 0, bins - 1)
    k = int(group.max()) + 1
    n_k = np.bincount(group, minlength=k).astype(float)
    used = n_k > 0
    f_k = np.bincount(group, weights=f, minlength=k)[used] / n_k[used]
    o_k = np.bincount(group, weights=o, minlength=k)[used] / n_k[used]
    o_bar = float(o.mean())
    w = n_k[used]
    reliability = float(np.sum(w * (f_k - o_k) ** 2) / n)
    resolution = float(np.sum(w * (o_k - o_bar) ** 2) / n)
    uncertainty = o_bar * (1 - o_bar)
    # Inside the groups: the forecasts' variance minus twice their covariance with the outcomes.
    remap = np.cumsum(used) - 1  # old group index -> index among used groups
    df_ = f - f_k[remap[group]]
    do_ = o - o_k[remap[group]]
    within = float(np.sum(df_**2 - 2 * df_ * do_) / n)
    return {
        "brier": brier,
        "reliability": reliability,
        "resolution": resolution,
        "uncertainty": uncertainty,
        "within": within,
        "count": float(n),
    }


def calibration_summary(
    prices: pd.DataFrame, by: str = "minutes_before", bins: int | None = 10
) -> pd.DataFrame:
    """Brier score and its decomposition per ``by`` group (one row per time before close).

    ``bins``: the groups of ``brier_decomposition`` (10 equal bins by default, as in the reliability
    diagram: grouping a few hundred windows by distinct price would count sampling noise as miscalibration;
    ``within`` then holds the small within-bin remainder).

    Example:
        >>> import pandas as pd
        >>> p = pd.DataFrame({"minutes_before": [5, 5, 1, 1], "price": [0.6, 0.4, 0.9, 0.1], "outcome": [1, 0, 1, 0]})
        >>> calibration_summary(p)[["minutes_before", "count", "brier"]]
           minutes_before  count  brier
        0               5      2   0.16
        1               1      2   0.01
    """
    import pandas as pd

    _require(prices, ("price", "outcome", by), "prices_before_close")
    rows = []
    for key, g in prices.groupby(by, sort=False):
        d = brier_decomposition(g["price"], g["outcome"], bins=bins)
        rows.append({by: key, **d})
    cols = [by, "count", "brier", "reliability", "resolution", "uncertainty", "within"]
    out = pd.DataFrame(rows, columns=cols)
    if len(out):
        out["count"] = out["count"].astype(int)
    return out[cols].reset_index(drop=True)
