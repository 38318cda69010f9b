"""Event metadata and series fee changes, built on demand from the records (nothing stored per market).

Example:
    >>> ev = {"event_ticker": "E", "series_ticker": "S", "settlement_sources": []}
    >>> sorted(event_metadata(ev, {"ticker": "S", "settlement_sources": []}, ["E-A"]))
    ['featured_image_url', 'image_url', 'market_details', 'settlement_sources']
"""

from __future__ import annotations

import hashlib
import uuid
import zlib

from .times import DAY, HOUR, iso

# Live image URLs look like this (observed in the wild); the sandbox serves no images.
_IMAGES = "https://kalshi-public-docs.s3.amazonaws.com"

# Competition fields of the sports series (openapi.yaml GetEventMetadataResponse; values UNCONFIRMED).
_COMPETITION = {"KXNFLGAME": ("Pro Football", "Game")}


def _color(ticker: str) -> str:
    return f"#{zlib.crc32(ticker.encode()) & 0xFFFFFF:06X}"


def event_metadata(ev: dict, series: dict, market_tickers: list[str]) -> dict:
    """``GetEventMetadataResponse``: the event's image, one ``MarketMetadata`` per live market, and the
    settlement sources (the event's, else the series')."""
    image = f"{_IMAGES}/series-images-webp/{series['ticker']}.webp"
    out: dict = {
        "image_url": image,
        "featured_image_url": image,
        "market_details": [
            {
                "market_ticker": t,
                "image_url": f"{_IMAGES}/market-images-webp/{t}.webp",
                "color_code": _color(t),
            }
            for t in market_tickers
        ],
        "settlement_sources": ev.get("settlement_sources") or series.get("settlement_sources") or [],
    }
    competition = _COMPETITION.get(ev["series_ticker"])
    if competition is not None:
        out["competition"], out["competition_scope"] = competition
    return out


def _change_id(seed: int, series: str, ts: int) -> str:
    digest = hashlib.sha256(f"{seed}:{series}:{ts}".encode()).digest()[:16]
    return str(uuid.UUID(bytes=digest, version=4))


def fee_changes(seed: int, anchor_ts: int, series: list[dict]) -> list[dict]:
    """The seeded ``SeriesFeeChange`` records, oldest first: one past change per series with maker fees,
    to the fee type and multiplier the series has now (so the current fields are what it set).

    Example:
        >>> rows = fee_changes(0, 1_788_000_000, [{"ticker": "S", "fee_type": "quadratic_with_maker_fees",
        ...                                        "fee_multiplier": 1}])
        >>> rows[0]["series_ticker"], rows[0]["fee_type"], rows[0]["scheduled_ts"] < "2026-09"
        ('S', 'quadratic_with_maker_fees', True)
    """
    day = anchor_ts - anchor_ts % DAY
    out = []
    for k, s in enumerate(series):
        if s["fee_type"] == "quadratic":
            continue
        # Maker fees switch on at 5:00 AM ET (09:00 UTC in summer), as the 2026-08-20 combo rollout did.
        ts = day - (18 + 9 * k) * DAY + 9 * HOUR
        out.append(
            {
                "id": _change_id(seed, s["ticker"], ts),
                "series_ticker": s["ticker"],
                "fee_type": s["fee_type"],
                "fee_multiplier": s["fee_multiplier"],
                "scheduled_ts": iso(ts),
            }
        )
    out.sort(key=lambda r: r["scheduled_ts"])
    return out
