"""Event fee overrides: an event's own fee type and multiplier, layered on its series' (openapi.yaml
``GET /events/fee_changes``: "Event fees are an override layered on top of the parent series' fee
structure"; both null: the override is cleared).

The seeded data has none. The control ``set_event_fee`` (``POST /_sandbox/event_fee``) sets or clears one
now: the change is listed by ``event_fee_changes`` (``GET /events/fee_changes``), applies to every fill and
hold of the event's markets from then on (``_Base._coef`` reads ``_fee_override``), and is announced on the
bus as ``{"kind": "event_fee", "event_ticker", "fee_type_override", "fee_multiplier_override"}``, which the
feed sends as ``event_fee_update`` on ``market_lifecycle_v2``.

Example:
    >>> from kalshi_nb.sandbox.exchange import Exchange
    >>> ex = Exchange(seed=1)
    >>> event = ex.markets(series_ticker="KXBTC15M", status="open")[0]["event_ticker"]
    >>> ex.set_event_fee(event, "quadratic_with_maker_fees", 2)["fee_multiplier_override"]
    2.0
    >>> [c["fee_type_override"] for c in ex.event_fee_changes(event_ticker=event)]
    ['quadratic_with_maker_fees']
"""

from __future__ import annotations

import math

from ..data import iso
from ..errors import bad_request
from .state import _Base

# openapi.yaml FeeType (the event override takes the same values).
FEE_TYPES = ("quadratic", "quadratic_with_maker_fees", "quadratic_with_combo_maker_fees", "flat")
MAX_MULTIPLIER = 100.0  # a bound on a control input (limits.py style), far above any real multiplier


class EventFees(_Base):
    """Mixin: the event fee overrides and their change log (kept across nothing: ``reset`` clears them)."""

    def _event_fees_init(self) -> None:
        self._fee_overrides: dict[str, tuple[str | None, float | None]] = {}
        self._fee_changes: list[dict] = []

    def _fee_override(self, ticker: str) -> tuple[str | None, float | None]:
        """(fee type, multiplier) overrides of the market's event; (None, None) when none is set."""
        overrides = getattr(self, "_fee_overrides", None)
        if not overrides:
            return None, None
        return overrides.get(self._rec[ticker]["event_ticker"], (None, None))

    def set_event_fee(self, event_ticker: str, fee_type: str | None, multiplier: float | None) -> dict:
        """Control: set (or, with both None, clear) an event's fee override now; return the change record.

        Either part may be None alone: that part falls back to the series' value.
        """
        if fee_type is not None and fee_type not in FEE_TYPES:
            raise bad_request(
                f"fee_type_override must be one of {', '.join(FEE_TYPES)} or null, got {fee_type!r}"
            )
        if multiplier is not None:
            if isinstance(multiplier, bool) or not isinstance(multiplier, int | float):
                raise bad_request(f"fee_multiplier_override must be a number or null, got {multiplier!r}")
            multiplier = float(multiplier)
            if not math.isfinite(multiplier) or not 0 <= multiplier <= MAX_MULTIPLIER:
                raise bad_request(f"fee_multiplier_override must be between 0 and {MAX_MULTIPLIER:g}")
        with self._lock:
            now = self._sync()
            event = self._events.get(event_ticker)
            if event is None or event_ticker in self._mve_events:
                raise bad_request(f"unknown event {event_ticker[:80]!r}")
            if fee_type is None and multiplier is None:
                self._fee_overrides.pop(event_ticker, None)
            else:
                self._fee_overrides[event_ticker] = (fee_type, multiplier)
            change = {
                "id": self._new_id(),
                "event_ticker": event_ticker,
                "series_ticker": event["series_ticker"],
                "fee_type_override": fee_type,
                "fee_multiplier_override": multiplier,
                "scheduled_ts": iso(int(now)),
            }
            self._fee_changes.append(change)
            self._emit({"kind": "event_fee", "event_ticker": event_ticker,
                        "fee_type_override": fee_type, "fee_multiplier_override": multiplier})  # fmt: skip
            self._bump()
            return change

    def event_fee_changes(self, *, event_ticker: str | None = None, with_keys: bool = False) -> list | tuple:
        """``GET /events/fee_changes``: the overrides set so far, oldest first (``with_keys``: and their
        keyset keys, for pagination.py)."""
        with self._lock:
            self._sync()
            rows = [c for c in self._fee_changes if event_ticker is None or c["event_ticker"] == event_ticker]
            if not with_keys:
                return rows
            place = {id(c): i for i, c in enumerate(self._fee_changes)}
            return rows, [(place[id(c)],) for c in rows]
