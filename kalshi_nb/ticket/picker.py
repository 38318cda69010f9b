"""The ticket's market picker: series -> event -> market -> ticker, kept consistent.

A new series clears the event, market, ticker, preview and price; a new event clears the market, ticker,
preview and price; a new market (picked or typed) drops the preview and starts the price from its own quote
(the best ask of the chosen side for a buy, the best bid for a sell), never from the old market's. A typed
ticker points the pickers at its market. A mixin of ``OrderTicket``; it reads, never writes.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ..display.market import quotes
from ..display.timefmt import format_cents
from .controls import CHOOSE, guarded

if TYPE_CHECKING:
    import ipywidgets

    from ..client import KalshiClient
    from .panel import OrdersPanel


class MarketPicker:
    """The picker handlers (mixed into ``OrderTicket``, which owns the attributes named below)."""

    if TYPE_CHECKING:
        client: KalshiClient
        series: ipywidgets.Combobox
        event: ipywidgets.Dropdown
        market: ipywidgets.Dropdown
        ticker: ipywidgets.Text
        price: ipywidgets.Text
        outcome: ipywidgets.ToggleButtons
        action: ipywidgets.ToggleButtons
        orders_panel: OrdersPanel
        _market: dict | None
        _syncing: bool
        _filling: bool
        _price_auto: bool
        _error: str

        def render(self) -> Any: ...
        def _drop_preview(self) -> None: ...
        def _follow_market(self, ticker: str) -> None: ...

    @contextlib.contextmanager
    def _sync(self) -> Iterator[None]:
        """Set picker values without their handlers running (the caller does what they would)."""
        old, self._syncing = self._syncing, True
        try:
            yield
        finally:
            self._syncing = old

    @guarded
    def _load_series(self) -> None:
        listing = self.client.get_series_list().get("series") or []
        self.series.options = sorted({str(s["ticker"]) for s in listing if s.get("ticker")})

    def _events_of(self, series: str) -> list[tuple[str, Any]]:
        events = self.client.get_events(series_ticker=series, status="open", limit=200).get("events") or []
        return [(CHOOSE, None)] + [
            (
                f"{e.get('sub_title') or e.get('title') or e['event_ticker']} ({e['event_ticker']})",
                e["event_ticker"],
            )
            for e in events
        ]

    def _markets_of(self, event_ticker: str) -> list[tuple[str, Any]]:
        markets = self.client.get_event(event_ticker).get("markets") or []
        return [(CHOOSE, None)] + [
            (f"{m.get('yes_sub_title') or m['ticker']} ({m['ticker']})", m["ticker"])
            for m in markets
            if m.get("status") in ("active", "open")
        ]

    def _clear_market(self, *, keep_event: bool) -> None:
        """A new series or event: no market, ticker, preview or price until one is chosen."""
        with self._sync():
            if not keep_event:
                _choices(self.event, [(CHOOSE, None)])
            _choices(self.market, [(CHOOSE, None)])
            self.ticker.value = ""
        self._set_market(None)

    @guarded
    def _on_series(self, change: dict) -> None:
        if self._syncing:
            return
        self._error = ""
        self._clear_market(keep_event=False)
        series = (change["new"] or "").strip()
        if series:
            with self._sync():
                _choices(self.event, self._events_of(series))
        self.render()

    @guarded
    def _on_event(self, change: dict) -> None:
        if self._syncing:
            return
        self._error = ""
        self._clear_market(keep_event=True)
        if change["new"]:
            with self._sync():
                _choices(self.market, self._markets_of(change["new"]))
        self.render()

    @guarded
    def _on_market(self, change: dict) -> None:
        if self._syncing or not change["new"]:
            return
        self.ticker.value = change["new"]  # _on_ticker reads it

    def _sync_picker(self, market: dict) -> None:
        """Point the series/event/market pickers at a typed ticker (reads only)."""
        event = self.client.get_event(str(market["event_ticker"]))
        series = (event.get("event") or {}).get("series_ticker")
        with self._sync():
            if series:
                self.series.value = series
                _choices(self.event, self._events_of(series))
                if market["event_ticker"] in [v for _, v in self.event.options]:
                    self.event.value = market["event_ticker"]
            _choices(self.market, self._markets_of(str(market["event_ticker"])))
            if market["ticker"] in [v for _, v in self.market.options]:
                self.market.value = market["ticker"]

    @guarded
    def _on_ticker(self, change: dict) -> None:
        if self._syncing:
            return
        self._error = ""
        ticker = (change["new"] or "").strip()
        market = None
        try:
            market = self.client.get_market(ticker) if ticker else None
        finally:
            self._set_market(market)  # the old market never outlives its ticker, even when the read fails
        if market is not None and self.market.value != ticker:
            self._sync_picker(market)
        self.render()

    def _set_market(self, market: dict | None) -> None:
        """A market (or none) for the ticket: drops the preview; the price starts from this market's quote."""
        self._market = dict(market) if market is not None else None
        self._drop_preview()
        self._fill_price()
        ticker = str(market["ticker"]) if market is not None else ""
        self._follow_market(ticker)  # the live feed follows the chosen market (ticket.live)
        self.orders_panel.show(ticker, self._market)

    def _fill_price(self) -> None:
        """The best ask of the chosen side for a buy, the best bid for a sell; blank without a market."""
        price = ""
        if self._market is not None:
            q = quotes(self._market)
            best = q[f"{self.outcome.value}_{'ask' if self.action.value == 'buy' else 'bid'}"]
            price = format_cents(best) if best is not None else ""
        self._filling = True
        try:
            self.price.value = price
        finally:
            self._filling = False
        self._price_auto = True


def _choices(dropdown: Any, options: list[tuple[str, Any]]) -> None:
    """New options showing their first entry ("— choose —"): ipywidgets leaves the index unset when the old
    value is gone, and the box then shows blank, which reads as broken."""
    dropdown.options = options
    if options and dropdown.index is None:
        dropdown.index = 0
