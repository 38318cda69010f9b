"""Arguments of the ``*_df`` and ``iter_*`` functions: the client, lists of values, filters, counts.

Everything here runs before the first request, so a bad argument never costs a call.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from ..endpoints import is_bool
from ..timeargs import check_range, optional_unix_seconds

if TYPE_CHECKING:
    from ..client import KalshiClient

TICKERS_PER_CALL = 100
"""Tickers sent in one ``tickers=`` list (the live maximum is UNCONFIRMED; fills document 100)."""


def _client(client: KalshiClient | None) -> KalshiClient:
    if client is not None:
        return client
    from ..defaults import default_client

    return default_client()  # RuntimeError: "no default client yet: call kalshi_nb.connect() first ..."


def _values(name: str, value: Any) -> list[Any]:
    """A scalar or a list as a list of values to query; None means "no filter" (one query without it)."""
    if value is None:
        return [None]
    if isinstance(value, str):
        return [value]
    if isinstance(value, Iterable) and not isinstance(value, Mapping):
        out = list(dict.fromkeys(value))  # order kept, repeats dropped
        if not all(isinstance(v, str) and v for v in out):
            raise ValueError(f"{name} must be a string or a list of strings, got {value!r}")
        return out
    raise ValueError(f"{name} must be a string or a list of strings, got {value!r}")


def _ticker_chunks(tickers: Any) -> list[str | None]:
    """Tickers as comma-joined chunks of at most ``TICKERS_PER_CALL`` ([None]: no ticker filter)."""
    if tickers is None:
        return [None]
    if isinstance(tickers, str):
        tickers = [t.strip() for t in tickers.split(",") if t.strip()]
    names = _values("tickers", tickers)
    return [",".join(names[i : i + TICKERS_PER_CALL]) for i in range(0, len(names), TICKERS_PER_CALL)]


def _filters(filters: dict[str, Any]) -> dict[str, Any]:
    """Extra API filters: ``*_ts`` values become Unix seconds, ``None`` values are dropped.

    Times follow :mod:`kalshi_nb.timeargs` (a naive datetime is refused), and a ``min_X`` after its
    ``max_X`` (``min_ts``/``max_ts``, ``min_close_ts``/``max_close_ts``, ...) is refused before anything is
    sent: the server would answer an empty list, which looks like "no data".
    """
    out = {}
    for key, value in filters.items():
        if key.endswith("_ts"):
            value = optional_unix_seconds(value, key)
        if value is not None:
            out[key] = value
    for key, low in out.items():
        if key.startswith("min_") and f"max_{key[4:]}" in out:
            check_range(low, out[f"max_{key[4:]}"], names=(key, f"max_{key[4:]}"))
    return out


def _whole(value: Any, name: str, low: int, high: int | None = None) -> int:
    """A count or size as a Python ``int``: numpy/pandas integers are taken; bool, floats, NaN are not.

    Example:
        >>> import numpy as np
        >>> _whole(np.int64(5), "max_rows", 0)
        5
    """
    if is_bool(value) or not isinstance(value, numbers.Integral):
        if isinstance(value, numbers.Real) and not math.isfinite(value):
            raise ValueError(f"{name} must be a whole number, got {value!r}")
        raise TypeError(f"{name} must be a whole number (an int), got {type(value).__name__} {value!r}")
    number = int(value)
    if number < low or (high is not None and number > high):
        bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise ValueError(f"{name} must be {bounds}, got {value!r}")
    return number


def _flag(value: Any, name: str) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return value


def _alias(value: Any, filters: dict[str, Any], name: str, api_name: str) -> Any:
    """Accept the API's own parameter name (``event_ticker=``) for the short one (``event=``)."""
    if api_name not in filters:
        return value
    other = filters.pop(api_name)
    if value is not None and other is not None and value != other:
        raise ValueError(f"pass {name}= or {api_name}=, not both")
    return other if value is None else value


def _market_filters(filters: dict[str, Any]) -> dict[str, Any]:
    # Multivariate (combo) markets swamp every listing (tens of thousands, all alike), so they are left out
    # unless asked for: mve_filter="only" gives just them, mve_filter=None both kinds.
    mve = filters.pop("mve_filter", "exclude")
    out = _filters(filters)
    if mve is not None:
        out["mve_filter"] = mve
    return out


def _max_rows(max_rows: Any) -> int | None:
    return None if max_rows is None else _whole(max_rows, "max_rows (None: no limit)", 0)


def _progress(setting: Any) -> bool | None:
    """``progress=``: True (a bar from the first page), False (never) or None (after a few pages)."""
    if setting not in (None, True, False):
        raise ValueError(f"progress must be True, False or None (automatic), got {setting!r}")
    return None if setting is None else bool(setting)
