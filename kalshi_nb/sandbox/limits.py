"""Bounds on everything a caller can feed the sandbox: JSON bodies, numeric controls, the request log.

The sandbox must answer bad input with a clear 400/413, never a 500, a dropped connection or a state
that breaks every later request (``latency=1e300`` used to be accepted, then every request failed). Each
bound lives here once, so the Python API (``ValueError``), the control routes and the CLI (400 / usage
error) name the same numbers.

Example:
    >>> parse_json(b'{"a": [1, 2]}')
    {'a': [1, 2]}
    >>> parse_json(b"[" * 100 + b"]" * 100)
    Traceback (most recent call last):
    ValueError: the JSON body is nested deeper than 64 levels
    >>> bounded_int("balance_cents", 5, low=0, high=MAX_BALANCE_CENTS)
    5
"""

from __future__ import annotations

import json
import math
import numbers
from collections.abc import Iterable

MAX_BODY_BYTES = 1 << 20  # request bodies; larger ones are a 413
MAX_JSON_DEPTH = 64  # nesting of arrays/objects in a body
MAX_LATENCY_SECONDS = 600.0  # injected latency and jitter (a handler thread sleeps that long)
MIN_TS = 0  # Unix seconds accepted by controls (historical cutoff, clocks)
MAX_TS = 4_102_444_800  # 2100-01-01T00:00:00Z
MAX_BALANCE_CENTS = 10**12  # $10 billion
MAX_MARKETS = 1_000_000  # synthetic markets per exchange (3.4 GiB of state, measured by bench/speed.py --big)
MAX_SEED = 2**63 - 1
MAX_HISTORY_DAYS = 400  # days of settled KXBTC15M windows (about 15 million synthetic trades at 400)
MAX_LOG_BYTES = 8 << 20  # request log, total (approximate) bytes kept
MAX_LOG_BODY_BYTES = 4096  # a logged body longer than this is kept as a truncated string
MAX_LOG_TEXT = 2048  # path, query values and key id kept in the log, characters each
MAX_CANDLES = 5000  # per candlestick request; UNCONFIRMED: DFlow's relay of this endpoint documents 5,000


def parse_json(data: bytes | str) -> object:
    """``json.loads`` with a depth limit; every failure (bad JSON, bad UTF-8, too deep, numbers with too many
    digits) is a ``ValueError`` whose message can go straight into a 400."""
    try:
        value = json.loads(data)
    except RecursionError:
        raise ValueError(f"the JSON body is nested deeper than {MAX_JSON_DEPTH} levels") from None
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError, int digit limit
        raise ValueError(f"the request body is not valid JSON: {str(exc)[:200]}") from None
    raw = data.encode() if isinstance(data, str) else data
    # Cheap pre-check: fewer brackets than the limit cannot nest deeper (brackets in strings only overcount).
    if raw.count(b"[") + raw.count(b"{") > MAX_JSON_DEPTH and _depth(value) > MAX_JSON_DEPTH:
        raise ValueError(f"the JSON body is nested deeper than {MAX_JSON_DEPTH} levels")
    return value


def _depth(value: object) -> int:
    """Nesting depth of parsed JSON, without recursion (a scalar is 0, ``[]`` is 1)."""
    deepest = 0
    stack: list[tuple[object, int]] = [(value, 0)]
    children: Iterable[object]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        level += 1
        if level > deepest:
            deepest = level
            if deepest > MAX_JSON_DEPTH:
                return deepest
        stack.extend((child, level) for child in children if isinstance(child, dict | list))
    return deepest


def bounded_int(name: str, value: object, *, low: int, high: int) -> int:
    """An integer (numpy integers too, never bool) within ``[low, high]``; else ``ValueError`` naming the bound."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be an integer between {low} and {high}, got {_show(value)}")
    out = int(value)
    if not low <= out <= high:
        raise ValueError(f"{name} must be between {low} and {high}, got {out}")
    return out


def bounded_float(name: str, value: object, *, low: float, high: float) -> float:
    """A finite real number (ints, floats, numpy scalars; never bool) within ``[low, high]``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a number between {low:g} and {high:g}, got {_show(value)}")
    out = float(value)
    if not math.isfinite(out) or not low <= out <= high:
        raise ValueError(f"{name} must be a finite number between {low:g} and {high:g}, got {_show(value)}")
    return out


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
