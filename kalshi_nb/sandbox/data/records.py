"""Record types of the sandbox data: market lifecycles, the ``Universe``, and series/event wire dicts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

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


class Shared(dict):
    """A stored record that keeps the fields it has in common with its siblings (the markets of one event) in
    one dict, ``shared``, which they all point to: its own keys are the fields that differ.

    Why: a ladder event's eleven markets agree on 27 of their 40 fields. With 13 keys of its own a market
    dict takes 464 bytes instead of 832 (CPython sizes a dict by its key count: up to 21 keys, then up to
    42), about 37 MB at 200,000 markets.

    Reading sees both (``rec[k]``, ``rec.get(k)``, ``k in rec``, ``==``); a write sets the record's own key,
    which then wins over the shared one, so a change never leaks to a sibling. Iterating, ``len``, ``{**rec}``
    and a JSON encoder see only the own keys: a record leaves the exchange through ``wire_market``, which
    merges the two, and a changed copy is made with ``with_changes``. Nothing removes a market's field.

    Example:
        >>> common = {"event_ticker": "KXBTC-26DEC0417", "status": "finalized"}
        >>> a, b = Shared(common, {"ticker": "KXBTC-26DEC0417-B1"}), Shared(common, {"ticker": "KXBTC-26DEC0417-B2"})
        >>> a["status"] = "active"
        >>> a["status"], b["status"], b.get("event_ticker"), "status" in b, b.get("nope", 0)
        ('active', 'finalized', 'KXBTC-26DEC0417', True, 0)
        >>> b == {"ticker": "KXBTC-26DEC0417-B2", **common}, len(b)
        (True, 1)
    """

    __slots__ = ("shared",)

    def __init__(self, shared: dict, own: dict, /) -> None:
        super().__init__(own)
        self.shared = shared

    def __missing__(self, key: str) -> Any:
        return self.shared[key]

    def get(self, key: str, default: Any = None) -> Any:
        return dict.get(self, key, self.shared.get(key, default))

    def __contains__(self, key: object) -> bool:
        return dict.__contains__(self, key) or key in self.shared

    # Equal to whatever has the same fields, shared or own (dict's own comparison sees only the own keys).
    def __eq__(self, other: object) -> bool:
        if isinstance(other, Shared):
            other = {**other.shared, **other}
        return isinstance(other, dict) and {**self.shared, **self} == other

    def __ne__(self, other: object) -> bool:
        return not self == other

    __hash__ = None


_ABSENT = object()


def share_fields(records: list[dict]) -> list[dict]:
    """``records`` (siblings: the markets of one event) as ``Shared`` records around one dict of the fields
    whose value is the same in all of them (same type and equal: ``1`` and ``True`` are not the same value).
    Fewer than two records, or nothing in common, are returned as they are.

    Example:
        >>> a, b = share_fields([{"t": "A", "s": "open", "n": 1}, {"t": "B", "s": "open", "n": True}])
        >>> a.shared, dict(a), dict(b), wire_market(b)["s"]
        ({'s': 'open'}, {'t': 'A', 'n': 1}, {'t': 'B', 'n': True}, 'open')
    """
    if len(records) < 2:
        return records
    first, rest = records[0], records[1:]
    common = {}
    for k, v in first.items():
        for r in rest:
            w = r.get(k, _ABSENT)
            # Mostly the very same object (cached strings, shared constants): `is` settles it at once.
            if w is not v and (type(w) is not type(v) or w != v):
                break
        else:
            common[k] = v
    if not common:
        return records
    return [Shared(common, {k: v for k, v in r.items() if k not in common}) for r in records]


def with_changes(rec: dict, changes: dict) -> dict:
    """A new record: ``rec`` with ``changes`` applied (``rec`` itself is left as it is). A ``Shared`` record
    stays one, around the same shared dict.

    Example:
        >>> new = with_changes(Shared({"status": "active"}, {"ticker": "T"}), {"status": "closed"})
        >>> type(new).__name__, new["status"], new.shared
        ('Shared', 'closed', {'status': 'active'})
    """
    if type(rec) is Shared:
        return Shared(rec.shared, {**rec, **changes})
    return {**rec, **changes}


def wire_market(rec: dict) -> dict:
    """A stored market record as the API sends it: a new dict, with the fields every market shares
    (``MARKET_CONSTANTS``) and, for a ``Shared`` record, those it shares with its siblings. If a record sets
    one of those fields itself, its own value wins.

    Example:
        >>> m = wire_market({"ticker": "KXFED-26DEC-T4.00"})
        >>> m["ticker"], m["market_type"], m["notional_value_dollars"]
        ('KXFED-26DEC-T4.00', 'binary', '1.0000')
    """
    if type(rec) is Shared:
        return {**MARKET_CONSTANTS, **rec.shared, **rec}
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
