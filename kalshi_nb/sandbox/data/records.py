"""Record types of the sandbox data: market lifecycles, the ``Universe``, and series/event wire dicts."""

from __future__ import annotations

from dataclasses import dataclass, field

from .history import Hist
from .times import iso

# Top of book of a market whose book is empty: no YES bid, so the NO ask is $1; no NO bid, so the YES ask is $1.
EMPTY_TOP = {
    "yes_bid_dollars": "0.0000",
    "yes_bid_size_fp": "0.00",
    "yes_ask_dollars": "1.0000",
    "yes_ask_size_fp": "0.00",
    "no_bid_dollars": "0.0000",
    "no_ask_dollars": "1.0000",
}

# Fields with one value for every sandbox market (binary, $1 notional, default settlement bounds, no
# subtitle). They are stored here once instead of in every market dict, and ``wire_market`` merges them
# back in as a record leaves the exchange. Without these four keys a market dict has at most 42 keys.
# CPython fits 42 keys in a 64-slot table (832 bytes); 43 or more take a 128-slot one (1,584 bytes).
# Three markets in four had 43 or 44, so this saves about 110 MB at 200,000 markets.
MARKET_CONSTANTS = {
    "market_type": "binary",
    "subtitle": "",
    "notional_value_dollars": "1.0000",
    "settlement_bounds_type": "default",
}


def wire_market(rec: dict) -> dict:
    """A stored market record as the API sends it: a new dict, with the fields every market shares
    (``MARKET_CONSTANTS``). If a record sets one of those fields itself, its own value wins.

    Example:
        >>> m = wire_market({"ticker": "KXFED-26DEC-T4.00"})
        >>> m["ticker"], m["market_type"], m["notional_value_dollars"]
        ('KXFED-26DEC-T4.00', 'binary', '1.0000')
    """
    return {**MARKET_CONSTANTS, **rec}


def wire_event(ev: dict) -> dict:
    """An event as the API sends it: its nested ``markets``, if it has them, rendered by ``wire_market``
    (a new dict then); an event without them is returned as it is.

    Example:
        >>> ev = wire_event({"event_ticker": "KXFED-26DEC", "markets": [{"ticker": "KXFED-26DEC-T4.00"}]})
        >>> ev["markets"][0]["market_type"], wire_event({"event_ticker": "KXFED-26DEC"})
        ('binary', {'event_ticker': 'KXFED-26DEC'})
    """
    markets = ev.get("markets")
    return ev if markets is None else {**ev, "markets": [wire_market(m) for m in markets]}


# Markets a query sees under each status filter (DESIGN.md; the exact live mapping is UNCONFIRMED).
QUERY_STATUS = {
    "unopened": ("initialized",),
    "open": ("active",),
    "paused": ("inactive",),  # in the spec's MarketStatusQuery enum; no sandbox market is ever inactive
    "closed": ("closed",),
    "settled": ("determined", "finalized"),
}
# GET /events status values (its enum has no "paused").
EVENT_STATUSES = ("unopened", "open", "closed", "settled")


@dataclass(slots=True)
class Life:
    """When a market opens, closes, is determined and finalized, and how it resolves (known in advance)."""

    created_ts: int
    open_ts: int
    close_ts: int
    determine_ts: int
    finalize_ts: int
    result: str  # "yes" | "no"
    expiration_value: str
    # Fields that only become known when the market opens (KXBTC15M's target price).
    on_open: dict | None = None

    def status_at(self, ts: float) -> str:
        if ts < self.open_ts:
            return "initialized"
        if ts < self.close_ts:
            return "active"
        if ts < self.determine_ts:
            return "closed"
        if ts < self.finalize_ts:
            return "determined"
        return "finalized"

    def next_change(self, ts: float) -> int | None:
        """The first lifecycle instant after ``ts`` (None once finalized)."""
        for t in (self.open_ts, self.close_ts, self.determine_ts, self.finalize_ts):
            if t > ts:
                return t
        return None

    def updated_ts(self, ts: float) -> int:
        last = self.created_ts
        for t in (self.open_ts, self.close_ts, self.determine_ts, self.finalize_ts):
            if t <= ts:
                last = t
        return last


def status_fields(
    life: Life, status: str, *, settled_ts: int | None = None, result: str | None = None
) -> dict:
    """The fields of a market dict that depend on its lifecycle status (merge them into the record)."""
    res = result or life.result
    out: dict = {"status": status}
    if status in ("determined", "finalized"):
        out["result"] = res
        out["expiration_value"] = life.expiration_value
        out["settlement_value_dollars"] = "1.0000" if res == "yes" else "0.0000"
    else:
        out["result"] = ""
        out["expiration_value"] = ""
    if status == "finalized":
        out["settlement_ts"] = iso(settled_ts if settled_ts is not None else life.finalize_ts)
    if status != "active":
        out.update(EMPTY_TOP)
    return out


@dataclass
class Universe:
    """Everything ``build`` produces; the exchange takes ownership of it."""

    seed: int
    anchor_ts: int
    series: list[dict] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)
    markets: list[dict] = field(default_factory=list)
    life: dict[str, Life] = field(default_factory=dict)
    hist: dict[str, Hist] = field(default_factory=dict)
    market_series: dict[str, str] = field(default_factory=dict)
    market_cutoff_ts: int = 0
    trades_cutoff_ts: int = 0


# Exchange shards by series category (kalshi-api.md 2nd ed. §A: Crypto moved to its own instance on
# 2026-08-24, the spec's examples carry exchange_index 2; "new tennis events live on shard 3"). Sports -> 3
# and everything else -> 0 is the sandbox's choice; shards 0 to 3 exist (exchange/shards.py).
SHARD_OF_CATEGORY = {"Crypto": 2, "Sports": 3}


def shard_of(category: str) -> int:
    """The ``exchange_index`` of a series, its events and markets, by the series' category.

    Example:
        >>> shard_of("Crypto"), shard_of("Sports"), shard_of("Economics")
        (2, 3, 0)
    """
    return SHARD_OF_CATEGORY.get(category, 0)


SOURCES_CF = [{"name": "CF Benchmarks", "url": "https://www.cfbenchmarks.com/data/indices/BRTI"}]


def series_dict(
    ticker: str,
    title: str,
    category: str,
    frequency: str,
    tags: list[str],
    sources: list[dict],
    fee_type: str = "quadratic",
    fee_multiplier: float = 1,
    product: str | None = None,
) -> dict:
    doc = product or ticker.removeprefix("KX")
    return {
        "ticker": ticker,
        "frequency": frequency,
        "title": title,
        "category": category,
        "categories": [category],
        "tags": tags,
        "settlement_sources": sources,
        "contract_url": f"https://kalshi-public-docs.s3.amazonaws.com/regulatory/product-certifications/{doc}.pdf",
        "contract_terms_url": f"https://kalshi-public-docs.s3.amazonaws.com/contract_terms/{doc}.pdf",
        "fee_type": fee_type,
        "fee_multiplier": fee_multiplier,
        "additional_prohibitions": [],
        "exchange_index": shard_of(category),
    }


def event_dict(
    ticker: str,
    series: str,
    title: str,
    sub_title: str,
    category: str,
    *,
    strike_ts: int | None = None,
    exclusive: bool = False,
    sources: list[dict] | None = None,
    updated_ts: int,
) -> dict:
    ev = {
        "event_ticker": ticker,
        "series_ticker": series,
        "sub_title": sub_title,
        "title": title,
        "collateral_return_type": "MECNET" if exclusive else "",
        "mutually_exclusive": exclusive,
        "category": category,
        "settlement_sources": sources or [],
        "last_updated_ts": iso(updated_ts),
        "exchange_index": shard_of(category),
    }
    if strike_ts is not None:
        ev["strike_date"] = iso(strike_ts)
    return ev
