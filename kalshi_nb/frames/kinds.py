"""Column kinds and the column type of every frame table: the dtype and unit of each kind of value."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

Record = Mapping[str, Any]
Now = datetime | pd.Timestamp | None

# The ``df.attrs`` key naming a frame's kind ("markets", "orders", ...): kalshi_nb.display reads it to show the
# frame compactly in a notebook. pandas carries attrs through most operations (head, filters, sort_values).
KIND_ATTR = "kalshi_nb.kind"


@dataclass(frozen=True)
class _Kind:
    dtype: Any
    unit: str


_TEXT = _Kind(np.dtype(object), "")
_JSON = _Kind(np.dtype(object), "JSON")
_DOLLARS = _Kind(np.dtype("float64"), "USD")
_COUNT = _Kind(np.dtype("float64"), "contracts")
_NUMBER = _Kind(np.dtype("float64"), "")
_INT = _Kind(pd.Int64Dtype(), "")
_CENTS = _Kind(pd.Int64Dtype(), "US cents")
_BOOL = _Kind(pd.BooleanDtype(), "")
_TIME = _Kind(pd.DatetimeTZDtype("ns", "UTC"), "UTC")
_DURATION = _Kind(np.dtype("timedelta64[ns]"), "duration")
_CATEGORY = "category"  # placeholder: each categorical column carries its own CategoricalDtype


@dataclass(frozen=True)
class _Col:
    name: str
    kind: _Kind | str
    doc: str
    unit: str = ""
    categories: tuple[str, ...] = ()
    # Older spellings of the same quantity, in order of preference: (field name, divisor to dollars/counts).
    legacy: tuple[tuple[str, int], ...] = ()
    derived: bool = False

    @property
    def dtype(self) -> Any:
        if self.kind == _CATEGORY:
            return pd.CategoricalDtype(list(self.categories), ordered=False)
        assert isinstance(self.kind, _Kind)
        return self.kind.dtype

    @property
    def unit_text(self) -> str:
        if self.unit:
            return self.unit
        if self.kind == _CATEGORY:
            return "one of: " + ", ".join(self.categories)
        assert isinstance(self.kind, _Kind)
        return self.kind.unit


def _c(name: str, kind: _Kind, doc: str, *, unit: str = "", legacy: tuple[tuple[str, int], ...] = ()) -> _Col:
    return _Col(name, kind, doc, unit=unit, legacy=legacy)


def _cat(name: str, categories: Sequence[str], doc: str) -> _Col:
    return _Col(name, _CATEGORY, doc, categories=tuple(categories))


def _cents_legacy(name: str) -> tuple[tuple[str, int], ...]:
    return ((name, 100),)


def _count_legacy(name: str) -> tuple[tuple[str, int], ...]:
    return ((name, 1),)


def _derived(name: str, kind: _Kind, doc: str, *, unit: str = "") -> _Col:
    return _Col(name, kind, doc, unit=unit, derived=True)


_YES_NO = ("yes", "no")
_BID_ASK = ("bid", "ask")
_BUY_SELL = ("buy", "sell")
_FEE_TYPES = ("quadratic", "quadratic_with_maker_fees", "quadratic_with_combo_maker_fees", "flat")

_EMPTY_SIDE = (
    "A side counts as empty when its price is missing, <= 0 or >= 1 (Kalshi reports an empty YES bid as 0 "
    "and an empty YES ask as 0 or 1, depending on the era); then this column is NaN."
)
