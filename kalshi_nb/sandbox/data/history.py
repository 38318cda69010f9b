"""Lazy market history: the quote path, public trades, book and top of book, generated from a ``Hist``.

A market carries only a small ``Hist`` (a dozen ints); everything here is a pure function of it, built so that
it agrees with the summary already in the market dict (last price, volume, open interest, top of book).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from functools import lru_cache

from ..money import PIP, count_str, pip_str
from .grids import GRIDS
from .times import iso_ms

TWOPI = 2.0 * math.pi  # as random.TWOPI


@dataclass(slots=True)
class Hist:
    """Parameters from which a market's quote path, trades and book are generated on demand.

    Quotes are grid indices (``GRIDS[structure][i]`` pips), piecewise constant over ``step`` seconds, and
    equal ``(bid, bid + spread)`` on the last step (at ``t1``: the anchor, or the close if earlier).
    Trades before ``anchor - 25 h`` ("old") and after ``anchor - 24 h`` ("recent") are pinned so that the
    summary (volume, 24 h volume, last and previous price) is known without generating them.
    """

    seed: int
    structure: str
    t0: int
    t1: int
    step: int
    bid: int
    spread: int
    amp: float
    unit: int  # 1 (fractional trading) or 100 (whole contracts), in hundredths
    bid_size: int
    ask_size: int
    depth: int
    n_old: int = 0
    n_recent: int = 0
    v_old: int = 0
    v_recent: int = 0
    old_range: tuple[int, int] = (0, 0)  # seconds
    recent_range: tuple[int, int] = (0, 0)
    t_prev_ms: int = 0
    t_last_ms: int = 0
    prev_yes: bool = True
    last_yes: bool = True
    oi_milli: int = 500
    open_bid: int = -1  # >= 0: the path starts here and converges on `bid` (a window that opens undecided)
    # Not None: a settled KXBTC15M window priced from a latent BTC path (``latent_probs``) whose standardized
    # log-return at the close is this value (>= 0: the window settled YES).
    latent_z: float | None = None

    @property
    def volume(self) -> int:
        return self.v_old + self.v_recent

    @property
    def n_trades(self) -> int:
        return self.n_old + self.n_recent


def quote_at(h: Hist, ts: float, *, once: bool = False) -> tuple[int, int]:
    """(bid, ask) grid indices in force at ``ts`` (clamped to ``[t0, t1]``).

    ``once``: a one-off lookup (the build's summaries): a latent-path window computes only step ``j``
    instead of caching every step of it (same result)."""
    last = (h.t1 - h.t0) // h.step
    j = (int(min(max(ts, h.t0), h.t1)) - h.t0) // h.step
    if j >= last:
        return h.bid, h.bid + h.spread
    s = h.seed
    w1, p1 = 0.02 + (s % 89) / 1500, (s >> 7) % 628 / 100
    w2, p2 = 0.15 + (s >> 13) % 97 / 300, (s >> 17) % 628 / 100
    drift = h.amp * (math.sin(w1 * j + p1) - math.sin(w1 * last + p1))
    drift += h.amp / 3 * (math.sin(w2 * j + p2) - math.sin(w2 * last + p2))
    spread = (
        1 + ((j * 2654435761 + s) >> 11) % 3 if h.spread <= 3 else h.spread + ((j * 40503 + s) >> 9) % 3 - 1
    )
    top = len(GRIDS[h.structure]) - 1 - spread
    base: float = h.bid
    if h.latent_z is not None:
        # The quoted YES probability in cents; grid index i is (i + 1) cents on linear_cent.
        p = latent_prob(h.seed, h.latent_z, last, j) if once else latent_probs(h.seed, h.latent_z, last)[j]
        bid = min(max(round(p * 100 - spread / 2) - 1, 0), top)
        return bid, bid + spread
    if h.open_bid >= 0:
        # Quadratic convergence: undecided for most of the window, then the price runs to its outcome.
        base = h.open_bid + (h.bid - h.open_bid) * (j / last) ** 2
    bid = min(max(round(base + drift), 0), top)
    return bid, bid + spread


# How the latent-path windows misprice (DESIGN.md "KXBTC15M history"): the quoted log-odds are the fair
# log-odds times OVERCONFIDENCE, plus a per-window bias and per-minute noise (both Gaussian, in log-odds).
OVERCONFIDENCE = 1.35
WINDOW_BIAS_SD = 0.25
STEP_NOISE_SD = 0.2


@lru_cache(maxsize=8192)
def latent_probs(seed: int, z_final: float, steps: int) -> tuple[float, ...]:
    """The quoted YES probability on each of a window's ``steps`` quote steps (index ``j``: in force over step j).

    The latent path is a Brownian bridge of unit-variance steps from 0 to ``z_final * sqrt(steps)`` (the
    window's close, standardized), so its law is that of a plain random walk whose end is given; the fair
    probability at step j is P(walk ends >= 0 | W_j) = Phi(W_j / sqrt(steps - j)). The quote distorts it
    (``OVERCONFIDENCE``, bias, noise), so prices are informative but imperfect.

    Example:
        >>> p = latent_probs(1, 0.8, 15)
        >>> len(p), 0 < min(p) <= max(p) < 1, p == latent_probs(1, 0.8, 15)
        (15, True, True)
    """
    base = _latent_base(seed, z_final, steps)
    return tuple([_latent_at(base, steps, j) for j in range(steps)])


def latent_prob(seed: int, z_final: float, steps: int, j: int) -> float:
    """``latent_probs(seed, z_final, steps)[j]`` (the same float) without the other steps: a market summary
    needs one or two steps of a window it never looks at again, and at 200,000 markets the other steps'
    erfc/log/exp were a tenth of the build. Not cached: repeated lookups (trades, candles) go through
    ``latent_probs``."""
    return _latent_at(_latent_base(seed, z_final, steps), steps, j)


def _latent_base(seed: int, z_final: float, steps: int) -> tuple[list[float], list[float], float, float]:
    """(normals, walk, end - walk[steps], bias): what every step of ``latent_probs`` shares."""
    normals = _normals(random.Random(seed ^ 0x1A7E), 2 * steps + 1)
    walk = [0.0]
    w = 0.0
    for k in range(steps):
        w = w + normals[k]
        walk.append(w)
    end = z_final * math.sqrt(steps)
    return normals, walk, end - walk[steps], normals[steps] * WINDOW_BIAS_SD


def _latent_at(base: tuple[list[float], list[float], float, float], steps: int, j: int) -> float:
    normals, walk, tail, bias = base
    w = walk[j] + j / steps * tail
    fair = 0.5 * math.erfc(-w / math.sqrt(2 * (steps - j)))
    fair = min(max(fair, 1e-4), 1 - 1e-4)
    logit = OVERCONFIDENCE * math.log(fair / (1 - fair)) + bias + normals[steps + 1 + j] * STEP_NOISE_SD
    return min(max(1 / (1 + math.exp(-logit)), 0.01), 0.99)


def _normals(rng: random.Random, n: int) -> list[float]:
    """The first ``n`` (rounded up to a pair) values of ``rng.gauss(0.0, 1.0)`` on a fresh ``rng``, bit
    for bit (``Random.gauss``'s Box-Muller pairs, inlined: the calls were most of ``latent_probs``, itself
    most of a 200,000-market build). ``gauss(mu, sigma)`` returns ``mu + z * sigma``, so ``z * sigma`` here
    is the same float (``0.0 + x == x`` but for the sign of a zero, which the sum that follows absorbs)."""
    random_, cos, sin, sqrt, log = rng.random, math.cos, math.sin, math.sqrt, math.log
    out: list[float] = []
    while len(out) < n:
        x2pi = random_() * TWOPI
        g2rad = sqrt(-2.0 * log(1.0 - random_()))
        out.append(cos(x2pi) * g2rad)
        out.append(sin(x2pi) * g2rad)
    return out


def price_of(h: Hist, ts: float, taker_yes: bool, *, once: bool = False) -> int:
    """Price (pips) of a trade at ``ts``: a YES taker lifts the ask, a NO taker hits the bid (``once``: as in
    ``quote_at``)."""
    bid, ask = quote_at(h, ts, once=once)
    return GRIDS[h.structure][ask if taker_yes else bid]


def _split(rng: random.Random, total: int, n: int, unit: int) -> list[int]:
    """``n`` positive multiples of ``unit`` summing to ``total`` (itself a multiple of ``unit``, >= n*unit)."""
    if n <= 0:
        return []
    extra = total // unit - n
    weights = [rng.random() ** 3 for _ in range(n)]
    scale = sum(weights)
    parts = [int(extra * w / scale) for w in weights]
    parts[-1] += extra - sum(parts)
    return [(p + 1) * unit for p in parts]


@dataclass(frozen=True, slots=True)
class Tick:
    """One synthetic public trade (internal form; ``trade_dict`` renders it)."""

    ts_ms: int
    price: int  # YES price, pips
    count: int  # hundredths
    taker_yes: bool
    trade_id: str


def _uuid(rng: random.Random) -> str:
    v = rng.getrandbits(128)
    h = f"{v:032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[v & 3]}{h[17:20]}-{h[20:32]}"


def ticks(h: Hist) -> list[Tick]:
    """All synthetic trades of a market, oldest first (deterministic from ``h``)."""
    rng = random.Random(h.seed ^ 0x5EED)
    out: list[Tick] = []
    for n, vol, (lo, _hi), last_ms, last_yes in (
        (h.n_old, h.v_old, h.old_range, h.t_prev_ms, h.prev_yes),
        (h.n_recent, h.v_recent, h.recent_range, h.t_last_ms, h.last_yes),
    ):
        if n == 0:
            continue
        times = sorted(rng.randrange(lo * 1000, last_ms + 1) for _ in range(n - 1))
        times.append(last_ms)
        counts = _split(rng, vol, n, h.unit)
        for i, (ts_ms, count) in enumerate(zip(times, counts, strict=True)):
            taker_yes = last_yes if i == n - 1 else rng.random() < 0.5
            out.append(Tick(ts_ms, price_of(h, ts_ms / 1000, taker_yes), count, taker_yes, _uuid(rng)))
    return out


def trade_dict(ticker: str, t: Tick) -> dict:
    """Render a trade as the public Trade object (SDK-3.34 ``models/trade.py``)."""
    side = "yes" if t.taker_yes else "no"
    return {
        "trade_id": t.trade_id,
        "ticker": ticker,
        "count_fp": count_str(t.count),
        "yes_price_dollars": pip_str(t.price),
        "no_price_dollars": pip_str(PIP - t.price),
        "taker_side": side,
        "taker_outcome_side": side,
        "taker_book_side": "bid" if t.taker_yes else "ask",
        "created_time": iso_ms(t.ts_ms),
        "is_block_trade": False,
    }


def book_levels(h: Hist) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """The synthetic (house) book at ``t1``: YES bids and NO bids as ascending (pips, hundredths) levels.

    The best levels carry exactly ``bid_size`` and ``ask_size``, which the market dict reports.
    """
    grid = GRIDS[h.structure]
    rng = random.Random(h.seed ^ 0xB00C)
    ask = h.bid + h.spread

    def deeper() -> int:  # a level behind the best: whole contracts, plus hundredths if fractional
        return rng.randrange(1, 400) * 100 + (rng.randrange(100) if h.unit == 1 else 0)

    yes = []
    for k in range(h.depth):
        i = h.bid - k
        if i < 0:
            break
        yes.append((grid[i], h.bid_size if k == 0 else deeper()))
    no = []
    for k in range(h.depth):
        i = ask + k
        if i >= len(grid):
            break
        no.append((PIP - grid[i], h.ask_size if k == 0 else deeper()))
    yes.reverse()  # ascending YES price
    no.reverse()  # NO price = 1 - YES ask, so ascending NO price means descending YES ask index
    return yes, no


def top_fields(h: Hist) -> dict:
    """Market top-of-book fields at ``t1`` (consistent with ``book_levels``)."""
    grid = GRIDS[h.structure]
    bid, ask = grid[h.bid], grid[h.bid + h.spread]
    return {
        "yes_bid_dollars": pip_str(bid),
        "yes_bid_size_fp": count_str(h.bid_size),
        "yes_ask_dollars": pip_str(ask),
        "yes_ask_size_fp": count_str(h.ask_size),
        "no_bid_dollars": pip_str(PIP - ask),
        "no_ask_dollars": pip_str(PIP - bid),
    }


def oi_of(h: Hist, volume: int) -> int:
    """Open interest implied by a cumulative volume (a fixed share of it, in whole units)."""
    return volume * h.oi_milli // 1000 // h.unit * h.unit
