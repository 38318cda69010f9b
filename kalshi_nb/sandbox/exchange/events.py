"""Events as the public endpoints list and look them up: ``/events``, ``/events/multivariate``,
``/events/{ticker}`` (with ``exclude_markets``) and ``/events/{ticker}/metadata``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import cast

from ..data import EVENT_STATUSES, wire_event
from ..data.metadata import event_metadata
from ..errors import bad_request, not_found
from .state import SETTLED, _Base, _iso_ts


class Events(_Base):
    """Event lookups and stable, keyed listings (keys feed pagination.py's cursors)."""

    def _event_status(self, event_ticker: str) -> str:
        statuses = {self._rec[t]["status"] for t in self._by_event.get(event_ticker, ())}
        if "active" in statuses:
            return "open"
        if statuses <= {"initialized"}:
            return "unopened"
        if statuses <= set(SETTLED):
            return "settled"
        return "closed"

    def _event_close(self, event_ticker: str) -> int:
        return max(self._life[t].close_ts for t in self._by_event[event_ticker])

    def events(
        self,
        *,
        status: str | None = None,
        series_ticker: str | None = None,
        tickers: Iterable[str] | None = None,
        min_close_ts: int | None = None,
        min_updated_ts: int | None = None,
        with_nested_markets: bool = False,
        with_keys: bool = False,
    ) -> list[dict]:
        """Events (multivariate ones excluded, as live), stable order; nested markets are live ones only.
        ``with_keys=True`` returns ``(rows, keys)`` (the place in ``tickers`` or in the generated order),
        with nested markets as stored: ``data.wire_event`` renders an event as sent (see ``markets``)."""
        if status is not None and status not in EVENT_STATUSES:
            raise bad_request(f"status must be one of {', '.join(EVENT_STATUSES)}, got {status!r}")
        tickers_key = tuple(tickers) if tickers is not None else None
        with self._lock:
            self._sync()
            key = (
                "events",
                status,
                series_ticker,
                tickers_key,
                min_close_ts,
                min_updated_ts,
                with_nested_markets,
            )
            rows = self._cached(
                key,
                lambda: self._events_list(
                    status, series_ticker, tickers_key, min_close_ts, min_updated_ts, with_nested_markets
                ),
            )

            def keys() -> list:
                rank = (
                    self._event_rank
                    if tickers_key is None
                    else {t: i for i, t in enumerate(dict.fromkeys(tickers_key))}
                )
                return [(rank[e["event_ticker"]],) for e in rows]  # type: ignore[attr-defined]

            if with_keys:
                return rows, self._cached((*key, "keys"), keys)  # type: ignore[return-value]
            return [wire_event(e) for e in rows] if with_nested_markets else rows  # type: ignore[attr-defined,return-value]

    def _events_list(self, status, series, tickers, min_close_ts, min_updated_ts, nested) -> list[dict]:
        if tickers is not None:
            names = [t for t in dict.fromkeys(tickers) if t in self._events]
        else:
            names = self._event_order
        out = []
        for name in names:
            if name in self._mve_events:
                continue
            ev = self._events[name]
            if series is not None and ev["series_ticker"] != series:
                continue
            if status is not None and self._event_status(name) != status:
                continue
            if min_close_ts is not None and self._event_close(name) < min_close_ts:
                continue
            if min_updated_ts is not None and _iso_ts(ev["last_updated_ts"]) < min_updated_ts:
                continue
            out.append(self._nested(ev) if nested else ev)
        return out

    def _nested(self, ev: dict) -> dict:
        """The event with its live markets as stored (cached lists hold references, not rendered copies)."""
        markets = [self._rec[t] for t in self._by_event[ev["event_ticker"]] if t not in self._historical]
        return {**ev, "markets": markets}

    def event(
        self, event_ticker: str, *, with_nested_markets: bool = False, exclude_markets: bool = False
    ) -> tuple[dict, list[dict]]:
        """(event, markets): markets settled before the historical cutoff are omitted, as live.

        ``exclude_markets`` returns the event alone (markets ``[]``); it cannot be combined with
        ``with_nested_markets`` (400, openapi.yaml ``GetEvent``).
        """
        if exclude_markets and with_nested_markets:
            raise bad_request(
                "exclude_markets=true cannot be combined with with_nested_markets=true; "
                "use GET /markets?event_ticker=... to page the event's markets"
            )
        with self._lock:
            self._sync()
            ev = self._events.get(event_ticker)
            if ev is None:
                raise not_found(f"event {event_ticker} does not exist")
            if exclude_markets:
                return ev, []
            nested = wire_event(self._nested(ev))
            return (nested if with_nested_markets else ev), nested["markets"]

    def multivariate_events(
        self,
        *,
        series_ticker: str | None = None,
        collection_ticker: str | None = None,
        tickers: Iterable[str] | None = None,
        with_nested_markets: bool = False,
        with_keys: bool = False,
    ) -> list[dict]:
        """Multivariate (combo) events only (``GET /events/multivariate``), in the generated order.

        ``collection_ticker`` keeps the events of that collection (a 400 together with ``series_ticker``);
        in the sandbox a combo's collection ticker is its series ticker. ``with_keys`` as ``events``.

        Example:
            >>> from kalshi_nb.sandbox.exchange import Exchange
            >>> ex = Exchange(seed=1)
            >>> all(e["series_ticker"].startswith("KXMVE") for e in ex.multivariate_events())
            True
        """
        if series_ticker and collection_ticker:
            raise bad_request("collection_ticker cannot be used together with series_ticker")
        tickers_key = tuple(tickers) if tickers is not None else None
        with self._lock:
            self._sync()
            key = ("mve_events", series_ticker, collection_ticker, tickers_key, with_nested_markets)

            def build() -> tuple[list[dict], list[tuple[int]]]:
                if tickers_key is not None:
                    names = [t for t in dict.fromkeys(tickers_key) if t in self._mve_events]
                    rank = {t: i for i, t in enumerate(names)}
                else:
                    names = [e for e in self._event_order if e in self._mve_events]
                    rank = self._event_rank
                rows, keys = [], []
                for name in names:
                    ev = self._events[name]
                    if series_ticker is not None and ev["series_ticker"] != series_ticker:
                        continue
                    if collection_ticker is not None and not any(
                        self._rec[t].get("mve_collection_ticker") == collection_ticker
                        for t in self._by_event[name]
                    ):
                        continue
                    rows.append(self._nested(ev) if with_nested_markets else ev)
                    keys.append((rank[name],))
                return rows, keys

            built = cast("tuple[list[dict], list[tuple[int]]]", self._cached(key, build))
            if with_keys:
                return built  # type: ignore[return-value]
            return [wire_event(e) for e in built[0]] if with_nested_markets else built[0]

    def event_metadata(self, event_ticker: str) -> dict:
        """``GET /events/{ticker}/metadata`` body (unenveloped): images, colours, settlement sources."""
        with self._lock:
            self._sync()
            ev = self._events.get(event_ticker)
            if ev is None:
                raise not_found(f"event {event_ticker} does not exist")
            series = self._series[ev["series_ticker"]]
            markets = [t for t in self._by_event[event_ticker] if t not in self._historical]
            return event_metadata(ev, series, markets)
