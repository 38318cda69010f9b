"""Pure shaping: Kalshi JSON records in, typed pandas DataFrames out (no network, no client).

Every list kind has one function, ``markets_frame``, ``events_frame``, ``event_markets_frame``,
``series_frame``, ``trades_frame``, ``orderbook_frame``, ``candles_frame``, ``positions_frame``,
``event_positions_frame``, ``fills_frame``, ``orders_frame``, ``settlements_frame`` and ``balance_frame``.
Each takes the records exactly as the API sends them (a list of dicts, or for the orderbook and the balance
one response object) and returns a frame with a fixed column list and fixed dtypes:

- Columns keep the live API's field names, in the order of the official SDK's models, followed by a few
  derived columns (marked *derived* below) and then any field this module does not know yet.
- ``*_dollars`` become ``float64`` US dollars; ``*_fp`` become ``float64`` contract counts; ISO-8601 times
  and Unix timestamps become ``datetime64[ns, UTC]``; enum-like fields (``status``, ``result``,
  ``strike_type``, ``market_type``, sides, ...) become categoricals with a fixed, known category list, so the
  dtype is identical on every call, including an empty one. An empty string in such a field (Kalshi sends
  ``result: ""`` until a market is determined) is shown as missing (``NaN``). A value Kalshi adds later is
  appended to the categories (so nothing is lost) and logged; only then does the dtype differ.
- Integers are nullable ``Int64``, booleans nullable ``boolean``; text and nested JSON stay ``object``
  (also on pandas 3, where plain construction would infer ``str``), so the dtypes are the same on pandas 2 and 3.
- Unknown new fields are kept, never dropped, appended after the fixed columns in sorted order. An unknown
  field whose name ends in ``_dollars`` or ``_fp`` is parsed to ``float64`` (if every value parses), one ending
  in ``_time``, ``_ts`` or ``_datetime`` holding ISO strings to UTC datetimes; anything else keeps the
  dtype pandas infers.
- Legacy payloads (before 12 March 2026: integer cents such as ``yes_bid: 40`` and integer counts such as
  ``volume: 100``) shape into the same columns and values as today's (``yes_bid_dollars`` 0.40,
  ``volume_fp`` 100.0). When both spellings are present, today's field wins; the consumed legacy field is
  not repeated as an extra column.
- An empty input gives an empty frame with the same columns and dtypes, never ``None``.
- A value that cannot be parsed becomes missing and is logged on the ``kalshi_nb.frames`` logger; shaping
  never raises on odd data. (Times outside the ``datetime64[ns]`` range, years 1677-2262, are such values.)

Prices are parsed with Python's correctly rounded ``float()``, so ``yes_bid_dollars`` equals
``float(Decimal(wire_string))`` exactly. Use ``Decimal`` on the raw strings if you need exact money arithmetic.

``describe("markets")`` returns the column table of one kind as a DataFrame (column, dtype, unit,
description); the same tables are listed at the end of this docstring.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "KINDS",
    "balance_frame",
    "candles_frame",
    "describe",
    "event_markets_frame",
    "event_positions_frame",
    "events_frame",
    "fills_frame",
    "markets_frame",
    "orderbook_frame",
    "orders_frame",
    "positions_frame",
    "series_frame",
    "settlements_frame",
    "trades_frame",
]

logger = logging.getLogger(__name__)

try:  # the extraction loop of pd.DataFrame(records); see _field_block
    from pandas._libs.lib import dicts_to_array as _dicts_to_array
except ImportError:  # pragma: no cover - a pandas without it takes the public (slower) route
    _dicts_to_array = None

Record = Mapping[str, Any]
Now = datetime | pd.Timestamp | None

# --------------------------------------------------------------------------------------------------
# Column kinds


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

# --------------------------------------------------------------------------------------------------
# Schemas (order follows kalshi-python-sync 3.34 models)

_MARKET_COLUMNS: tuple[_Col, ...] = (
    _c("ticker", _TEXT, "Market ticker, e.g. KXBTC15M-26SEP062245-45."),
    _c("event_ticker", _TEXT, "Ticker of the event the market belongs to."),
    _cat("market_type", ("binary", "scalar"), "Binary or scalar market."),
    _c("title", _TEXT, "Market title (Kalshi prefers the sub-titles now)."),
    _c("subtitle", _TEXT, "Market subtitle."),
    _c("yes_sub_title", _TEXT, "Short title of the YES side, e.g. 'Target Price: $63,777.35'."),
    _c("no_sub_title", _TEXT, "Short title of the NO side."),
    _c("created_time", _TIME, "When the market was created."),
    _c("updated_time", _TIME, "Last non-trading metadata update."),
    _c("open_time", _TIME, "When trading opens."),
    _c("close_time", _TIME, "When trading closes."),
    _c("expected_expiration_time", _TIME, "When the market is expected to expire."),
    _c("expiration_time", _TIME, "Expiration time."),
    _c("latest_expiration_time", _TIME, "Latest possible expiration."),
    _c("settlement_timer_seconds", _INT, "Delay between determination and settlement.", unit="seconds"),
    _cat(
        "status",
        (
            "initialized",
            "inactive",
            "active",
            "closed",
            "determined",
            "disputed",
            "amended",
            "finalized",
            "settled",
        ),
        "Lifecycle status ('settled' only appears in pre-2026 payloads).",
    ),
    _c(
        "yes_bid_dollars", _DOLLARS, "Best YES bid (0 when nobody bids YES).", legacy=_cents_legacy("yes_bid")
    ),
    _c("yes_bid_size_fp", _COUNT, "Contracts resting at the best YES bid."),
    _c("yes_ask_dollars", _DOLLARS, "Best YES ask (= 1 - best NO bid).", legacy=_cents_legacy("yes_ask")),
    _c("yes_ask_size_fp", _COUNT, "Contracts resting at the best YES ask."),
    _c("no_bid_dollars", _DOLLARS, "Best NO bid.", legacy=_cents_legacy("no_bid")),
    _c("no_ask_dollars", _DOLLARS, "Best NO ask (= 1 - best YES bid).", legacy=_cents_legacy("no_ask")),
    _c("last_price_dollars", _DOLLARS, "Last traded YES price.", legacy=_cents_legacy("last_price")),
    _c("previous_yes_bid_dollars", _DOLLARS, "YES bid a day ago.", legacy=_cents_legacy("previous_yes_bid")),
    _c("previous_yes_ask_dollars", _DOLLARS, "YES ask a day ago.", legacy=_cents_legacy("previous_yes_ask")),
    _c(
        "previous_price_dollars",
        _DOLLARS,
        "Last traded price a day ago.",
        legacy=_cents_legacy("previous_price"),
    ),
    _c("volume_fp", _COUNT, "Contracts traded over the market's life.", legacy=_count_legacy("volume")),
    _c("volume_24h_fp", _COUNT, "Contracts traded in the last 24 hours.", legacy=_count_legacy("volume_24h")),
    _c("open_interest_fp", _COUNT, "Contracts outstanding.", legacy=_count_legacy("open_interest")),
    _c(
        "notional_value_dollars",
        _DOLLARS,
        "Payout of one winning contract ($1 for binary markets).",
        legacy=_cents_legacy("notional_value"),
    ),
    _c(
        "liquidity_dollars",
        _DOLLARS,
        "Value of resting orders; Kalshi stopped sending it in Oct 2026, so NaN for current payloads.",
        legacy=_cents_legacy("liquidity"),
    ),
    _cat("result", ("yes", "no", "scalar"), "Settlement result; NaN until determined (the API sends '')."),
    _c("can_close_early", _BOOL, "Whether the market can close before close_time."),
    _c(
        "settlement_value_dollars",
        _DOLLARS,
        "Payout per YES contract once determined.",
        legacy=_cents_legacy("settlement_value"),
    ),
    _c("settlement_ts", _TIME, "When the market settled (settled markets only)."),
    _cat("settlement_bounds_type", ("default", "floor"), "Which settlement bounds apply."),
    _c("settlement_floor_dollars", _DOLLARS, "Settlement floor, when settlement_bounds_type is floor."),
    _c("expiration_value", _TEXT, "Value of the underlying used for settlement, as Kalshi's text."),
    _c("occurrence_datetime", _TIME, "When the underlying event occurred, if known."),
    _c("fee_waiver_expiration_time", _TIME, "When the market's fee waiver ends."),
    _c("early_close_condition", _TEXT, "Condition under which the market can close early."),
    _cat(
        "strike_type",
        (
            "greater",
            "greater_or_equal",
            "less",
            "less_or_equal",
            "between",
            "functional",
            "custom",
            "structured",
        ),
        "How the strike is evaluated.",
    ),
    _c("floor_strike", _NUMBER, "Lowest expiration value that settles YES.", unit="underlying's unit"),
    _c("cap_strike", _NUMBER, "Highest expiration value that settles YES.", unit="underlying's unit"),
    _c("functional_strike", _TEXT, "Mapping from expiration values to settlement values."),
    _c("custom_strike", _JSON, "Per-target expiration values that settle YES."),
    _c("rules_primary", _TEXT, "Main market rules in plain language."),
    _c("rules_secondary", _TEXT, "Secondary market rules."),
    _c("mve_collection_ticker", _TEXT, "Multivariate collection ticker (combo markets)."),
    _c("mve_selected_legs", _JSON, "Legs of a multivariate (combo) market."),
    _c("primary_participant_key", _TEXT, "Primary participant key."),
    _cat("price_level_structure", ("linear_cent", "deci_cent", "tapered_deci_cent"), "Tick-size structure."),
    _c("price_ranges", _JSON, "Valid price ranges [{start, end, step}] as dollar strings."),
    _c("is_provisional", _BOOL, "The market may be removed after determination if inactive."),
    _c("exchange_index", _INT, "Exchange shard."),
    # Dropped from the SDK model in 3.25 but still sent by some responses (UNCONFIRMED live): a fixed column,
    # so frames with and without it have the same columns.
    _c("fractional_trading_enabled", _BOOL, "Whether fractional contract counts are accepted."),
)

_MARKET_DERIVED: tuple[_Col, ...] = (
    _derived("mid_dollars", _DOLLARS, "(yes_bid_dollars + yes_ask_dollars) / 2. " + _EMPTY_SIDE),
    _derived("spread_dollars", _DOLLARS, "yes_ask_dollars - yes_bid_dollars. " + _EMPTY_SIDE),
    _derived("time_to_close", _DURATION, "close_time - now (negative once closed; `now` is an argument)."),
)

_EVENT_COLUMNS: tuple[_Col, ...] = (
    _c("event_ticker", _TEXT, "Event ticker, e.g. KXBTC15M-26SEP062245."),
    _c("series_ticker", _TEXT, "Series the event belongs to."),
    _c("sub_title", _TEXT, "Short event title."),
    _c("title", _TEXT, "Full event title."),
    _cat("collateral_return_type", ("MECNET", "DIRECNET"), "Netting type; NaN when none (the API sends '')."),
    _c("mutually_exclusive", _BOOL, "Exactly one market of the event can settle YES."),
    _c("category", _TEXT, "Event category (deprecated by Kalshi; use the series category)."),
    _c("strike_date", _TIME, "Date the event is about (date strikes)."),
    _c("strike_period", _TEXT, "Period the event covers, e.g. 'week' (period strikes)."),
    _c("product_metadata", _JSON, "Product metadata."),
    _c("settlement_sources", _JSON, "Official settlement sources [{name, url}]."),
    _c("last_updated_ts", _TIME, "Last metadata update (an ISO time despite the name)."),
    _cat("fee_type_override", _FEE_TYPES, "Event-level fee type, overriding the series."),
    _c("fee_multiplier_override", _NUMBER, "Event-level fee multiplier, overriding the series."),
    _c("exchange_index", _INT, "Exchange shard."),
)

_SERIES_COLUMNS: tuple[_Col, ...] = (
    _c("ticker", _TEXT, "Series ticker, e.g. KXBTC15M."),
    _c("frequency", _TEXT, "Free text, e.g. 'daily', 'weekly', 'one-off'."),
    _c("title", _TEXT, "Series title."),
    _c("category", _TEXT, "Primary category."),
    _c("categories", _JSON, "Discovery categories (list of strings)."),
    _c("tags", _JSON, "Subject tags (list of strings)."),
    _c("settlement_sources", _JSON, "Official settlement sources [{name, url}]."),
    _c("contract_url", _TEXT, "Link to the original contract filing."),
    _c("contract_terms_url", _TEXT, "Link to the current contract terms."),
    _c("product_metadata", _JSON, "Product metadata."),
    _cat("fee_type", _FEE_TYPES, "Fee schedule of the series."),
    _c("fee_multiplier", _NUMBER, "Multiplier applied in the fee formula."),
    _c("additional_prohibitions", _JSON, "Extra trading prohibitions (list of strings)."),
    _c("volume_fp", _COUNT, "Contracts traded (only with include_volume).", legacy=_count_legacy("volume")),
    _c("last_updated_ts", _TIME, "Last metadata update (an ISO time despite the name)."),
    _c("exchange_index", _INT, "Exchange shard."),
)

_TRADE_COLUMNS: tuple[_Col, ...] = (
    _c("trade_id", _TEXT, "Trade id."),
    _c("ticker", _TEXT, "Market ticker."),
    _c("count_fp", _COUNT, "Contracts traded.", legacy=_count_legacy("count")),
    _c("yes_price_dollars", _DOLLARS, "YES price of the trade.", legacy=_cents_legacy("yes_price")),
    _c(
        "no_price_dollars",
        _DOLLARS,
        "NO price of the trade (= 1 - YES price).",
        legacy=_cents_legacy("no_price"),
    ),
    _cat("taker_side", _YES_NO, "Taker's side (deprecated by Kalshi; use taker_outcome_side)."),
    _cat("taker_outcome_side", _YES_NO, "Outcome the taker bought."),
    _cat("taker_book_side", _BID_ASK, "YES-book side the taker hit."),
    _c("created_time", _TIME, "Trade time."),
    _c("is_block_trade", _BOOL, "Block trade."),
)

_FILL_COLUMNS: tuple[_Col, ...] = (
    _c("fill_id", _TEXT, "Fill id."),
    _c("trade_id", _TEXT, "Same as fill_id (legacy name)."),
    _c("order_id", _TEXT, "Order that filled."),
    _c("ticker", _TEXT, "Market ticker."),
    _c("market_ticker", _TEXT, "Same as ticker (legacy name)."),
    _cat("side", _YES_NO, "Deprecated by Kalshi; use outcome_side."),
    _cat("action", _BUY_SELL, "Deprecated by Kalshi; use outcome_side/book_side."),
    _cat("outcome_side", _YES_NO, "Outcome this fill adds exposure to."),
    _cat("book_side", _BID_ASK, "YES-book side of the order."),
    _c("count_fp", _COUNT, "Contracts filled.", legacy=_count_legacy("count")),
    _c(
        "yes_price_dollars",
        _DOLLARS,
        "YES price of the fill.",
        legacy=(("yes_price_fixed", 1), ("yes_price", 100)),
    ),
    _c(
        "no_price_dollars",
        _DOLLARS,
        "NO price of the fill.",
        legacy=(("no_price_fixed", 1), ("no_price", 100)),
    ),
    _c("is_taker", _BOOL, "The fill removed liquidity."),
    _c("created_time", _TIME, "Fill time."),
    _c("fee_cost", _DOLLARS, "Fee charged for this fill (a dollar string on the wire)."),
    _c("subaccount_number", _INT, "Subaccount (0 = primary)."),
    _c("ts", _TIME, "Fill time from the legacy Unix-seconds field."),
    _c("exchange_index", _INT, "Exchange shard."),
)

_ORDER_COLUMNS: tuple[_Col, ...] = (
    _c("order_id", _TEXT, "Order id."),
    _c("user_id", _TEXT, "User id."),
    _c("client_order_id", _TEXT, "Your idempotency key."),
    _c("ticker", _TEXT, "Market ticker."),
    _cat("side", _YES_NO, "Deprecated by Kalshi; use outcome_side."),
    _cat("action", _BUY_SELL, "Deprecated by Kalshi; use outcome_side/book_side."),
    _cat("outcome_side", _YES_NO, "Outcome the order adds exposure to."),
    _cat("book_side", _BID_ASK, "YES-book side of the order."),
    _cat("type", ("limit", "market"), "Order type."),
    _cat("status", ("resting", "canceled", "executed", "pending"), "Order status ('pending' is pre-2026)."),
    _c("yes_price_dollars", _DOLLARS, "Limit price in YES terms.", legacy=_cents_legacy("yes_price")),
    _c("no_price_dollars", _DOLLARS, "Limit price in NO terms.", legacy=_cents_legacy("no_price")),
    _c("fill_count_fp", _COUNT, "Contracts filled so far.", legacy=_count_legacy("fill_count")),
    _c("remaining_count_fp", _COUNT, "Contracts still resting.", legacy=_count_legacy("remaining_count")),
    _c("initial_count_fp", _COUNT, "Contracts ordered.", legacy=_count_legacy("initial_count")),
    _c(
        "taker_fill_cost_dollars",
        _DOLLARS,
        "Cost of the taker fills.",
        legacy=_cents_legacy("taker_fill_cost"),
    ),
    _c(
        "maker_fill_cost_dollars",
        _DOLLARS,
        "Cost of the maker fills.",
        legacy=_cents_legacy("maker_fill_cost"),
    ),
    _c("taker_fees_dollars", _DOLLARS, "Taker fees paid.", legacy=_cents_legacy("taker_fees")),
    _c("maker_fees_dollars", _DOLLARS, "Maker fees paid.", legacy=_cents_legacy("maker_fees")),
    _c("expiration_time", _TIME, "When a good-till order expires."),
    _c("created_time", _TIME, "When the order was placed."),
    _c("last_update_time", _TIME, "Last modify, cancel or fill."),
    _cat("self_trade_prevention_type", ("taker_at_cross", "maker"), "Self-trade prevention."),
    _c("order_group_id", _TEXT, "Order group."),
    _c("cancel_order_on_pause", _BOOL, "Cancel when trading pauses."),
    _c("subaccount_number", _INT, "Subaccount (0 = primary)."),
    _c("exchange_index", _INT, "Exchange shard."),
)

_POSITION_COLUMNS: tuple[_Col, ...] = (
    _c("ticker", _TEXT, "Market ticker."),
    _c("exchange_index", _INT, "Exchange shard."),
    _c(
        "total_traded_dollars", _DOLLARS, "Value traded in this market.", legacy=_cents_legacy("total_traded")
    ),
    _c(
        "position_fp",
        _COUNT,
        "Net position: positive = YES, negative = NO.",
        legacy=_count_legacy("position"),
    ),
    _c(
        "market_exposure_dollars",
        _DOLLARS,
        "Cost of the current position.",
        legacy=_cents_legacy("market_exposure"),
    ),
    _c("realized_pnl_dollars", _DOLLARS, "Realised profit and loss.", legacy=_cents_legacy("realized_pnl")),
    _c("fees_paid_dollars", _DOLLARS, "Fees paid.", legacy=_cents_legacy("fees_paid")),
    _c("last_updated_ts", _TIME, "Last update (an ISO time despite the name)."),
)

_EVENT_POSITION_COLUMNS: tuple[_Col, ...] = (
    _c("event_ticker", _TEXT, "Event ticker."),
    _c("total_cost_dollars", _DOLLARS, "Total cost.", legacy=_cents_legacy("total_cost")),
    _c("total_cost_shares_fp", _COUNT, "Contracts bought.", legacy=_count_legacy("total_cost_shares")),
    _c("event_exposure_dollars", _DOLLARS, "Exposure in the event.", legacy=_cents_legacy("event_exposure")),
    _c("realized_pnl_dollars", _DOLLARS, "Realised profit and loss.", legacy=_cents_legacy("realized_pnl")),
    _c("fees_paid_dollars", _DOLLARS, "Fees paid.", legacy=_cents_legacy("fees_paid")),
)

_SETTLEMENT_COLUMNS: tuple[_Col, ...] = (
    _c("ticker", _TEXT, "Market ticker."),
    _c("event_ticker", _TEXT, "Event ticker."),
    _c("exchange_index", _INT, "Exchange shard."),
    _cat("market_result", ("yes", "no", "scalar"), "How the market settled."),
    _c("yes_count_fp", _COUNT, "YES contracts held at settlement.", legacy=_count_legacy("yes_count")),
    _c(
        "yes_total_cost_dollars",
        _DOLLARS,
        "Cost of the YES contracts.",
        legacy=_cents_legacy("yes_total_cost"),
    ),
    _c("no_count_fp", _COUNT, "NO contracts held at settlement.", legacy=_count_legacy("no_count")),
    _c(
        "no_total_cost_dollars",
        _DOLLARS,
        "Cost of the NO contracts.",
        legacy=_cents_legacy("no_total_cost"),
    ),
    _c("revenue", _CENTS, "Payout received, in integer cents as the API sends it."),
    _c("value", _CENTS, "Payout of one YES contract, in integer cents as the API sends it."),
    _c("fee_cost", _DOLLARS, "Fees charged at settlement (a dollar string on the wire)."),
    _c("settled_time", _TIME, "When the payout was made."),
)

_SETTLEMENT_DERIVED: tuple[_Col, ...] = (
    _derived("revenue_dollars", _DOLLARS, "revenue / 100."),
    _derived("value_dollars", _DOLLARS, "value / 100."),
)

_BALANCE_COLUMNS: tuple[_Col, ...] = (
    _c("balance", _CENTS, "Available balance in integer cents, as the API sends it."),
    _c(
        "balance_dollars",
        _DOLLARS,
        "Available balance (from balance / 100 when absent).",
        legacy=(("balance", 100),),
    ),
    _c("portfolio_value", _CENTS, "Portfolio value in integer cents, as the API sends it."),
    _c("updated_ts", _TIME, "Last balance update (Unix seconds on the wire)."),
    _c("balance_breakdown", _JSON, "Per-exchange balances [{exchange_index, balance}]."),
)

_BALANCE_DERIVED: tuple[_Col, ...] = (
    _derived("portfolio_value_dollars", _DOLLARS, "portfolio_value / 100."),
)

_ORDERBOOK_COLUMNS: tuple[_Col, ...] = (
    _c("ticker", _TEXT, "Market ticker when given to orderbook_frame(ticker=...), else missing."),
    _cat("side", _YES_NO, "Book the orders rest on: 'yes' bids or 'no' bids (the API's two lists)."),
    _c("price_dollars", _DOLLARS, "Bid price on its own side, as the API sends it."),
    _c("count_fp", _COUNT, "Contracts resting at this level."),
    _derived(
        "yes_price_dollars",
        _DOLLARS,
        "Price in YES terms: the YES bid itself, or the implied YES ask 1 - NO bid.",
    ),
    _cat(
        "book_side", _BID_ASK, "YES-book side: 'bid' for YES bids, 'ask' for the implied asks from NO bids."
    ),
    _derived("level", _INT, "0 = best level of its book_side (highest bid, lowest ask), then 1, 2, ..."),
    _derived(
        "cum_count_fp", _COUNT, "Contracts available from the best level up to this one, per book_side."
    ),
)

_OHLC = ("open", "low", "high", "close")
_PRICE_FIELDS = (*_OHLC, "mean", "previous", "min", "max")
_CANDLE_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("yes_bid", _OHLC),
    ("yes_ask", _OHLC),
    ("price", _PRICE_FIELDS),
)
_CANDLE_COLUMNS: tuple[_Col, ...] = (
    _c("ticker", _TEXT, "Market ticker when given to candles_frame(ticker=...) or present in the records."),
    _c("end_period_ts", _TIME, "Inclusive end of the candle (Unix seconds on the wire)."),
    *(
        _c(
            f"{group}_{field}_dollars",
            _DOLLARS,
            f"{field.capitalize()} of the {group.replace('_', ' ')} in the period.",
        )
        for group, fields in _CANDLE_GROUPS
        if group != "price"
        for field in fields
    ),
    *(
        _c(f"price_{field}_dollars", _DOLLARS, f"Trade price {field} in the period (NaN without trades).")
        for field in _PRICE_FIELDS
    ),
    _c("volume_fp", _COUNT, "Contracts traded in the period.", legacy=_count_legacy("volume")),
    _c(
        "open_interest_fp", _COUNT, "Contracts outstanding at the end.", legacy=_count_legacy("open_interest")
    ),
)
_CANDLE_DERIVED: tuple[_Col, ...] = (
    _derived("mid_close_dollars", _DOLLARS, "(yes_bid_close + yes_ask_close) / 2. " + _EMPTY_SIDE),
    _derived("spread_close_dollars", _DOLLARS, "yes_ask_close - yes_bid_close. " + _EMPTY_SIDE),
)


def _event_prefixed(col: _Col) -> _Col:
    if col.name in ("event_ticker", "series_ticker") or col.name.startswith("event_"):
        return col
    return _Col(f"event_{col.name}", col.kind, f"Event's {col.name}: {col.doc}", col.unit, col.categories)


_SCHEMAS: dict[str, tuple[_Col, ...]] = {
    "markets": _MARKET_COLUMNS + _MARKET_DERIVED,
    "events": _EVENT_COLUMNS,
    "event_markets": _MARKET_COLUMNS
    + _MARKET_DERIVED
    + tuple(_event_prefixed(c) for c in _EVENT_COLUMNS if c.name != "event_ticker"),
    "series": _SERIES_COLUMNS,
    "trades": _TRADE_COLUMNS,
    "orderbook": _ORDERBOOK_COLUMNS,
    "candles": _CANDLE_COLUMNS + _CANDLE_DERIVED,
    "positions": _POSITION_COLUMNS,
    "event_positions": _EVENT_POSITION_COLUMNS,
    "fills": _FILL_COLUMNS,
    "orders": _ORDER_COLUMNS,
    "settlements": _SETTLEMENT_COLUMNS + _SETTLEMENT_DERIVED,
    "balance": _BALANCE_COLUMNS + _BALANCE_DERIVED,
}

KINDS: tuple[str, ...] = tuple(_SCHEMAS)
"""The frame kinds that :func:`describe` knows."""

# --------------------------------------------------------------------------------------------------
# Converters: one object ndarray in, one typed array out. Fast path first; the slow path only runs
# when the fast one meets odd data, and it logs what it could not parse instead of raising.


def _objects(values: Sequence[Any]) -> np.ndarray:
    """A 1-D object array of the values, even when they are lists (np.array would add a dimension)."""
    return np.fromiter(values, dtype=object, count=len(values))


class _FloatCache(dict):  # type: ignore[type-arg]
    """Memoised float(): prices sit on a cent grid, so most columns hold a few hundred distinct strings."""

    def __missing__(self, key: Any) -> float:
        value = math.nan if key is None or key == "" else float(key)
        self[key] = value
        return value


def _is_missing(value: Any) -> bool:
    return value is None or value == "" or (isinstance(value, float) and math.isnan(value))


def _log_lost(name: str, values: np.ndarray, lost: np.ndarray, what: str) -> None:
    if lost.any():
        examples = list(dict.fromkeys(map(repr, values[lost][:50])))[:3]
        logger.warning(
            "%s: %d value(s) are not %s and became missing, e.g. %s", name, int(lost.sum()), what, examples
        )


class _Codes(dict):  # type: ignore[type-arg]
    """value -> first-seen position; the dict behind :func:`_factorize`."""

    def __missing__(self, key: Any) -> int:
        code = self[key] = len(self)
        return code


def _factorize(values: np.ndarray) -> tuple[np.ndarray, list[Any]]:
    """``(codes, uniques)`` with ``uniques[codes] == values``; missing values get codes of their own.

    On the low-cardinality columns of these payloads a dict lookup per value beats pd.factorize's hash
    table, which matters at 200,000 rows. Unhashable values (lists) are keyed by their text.
    """
    table = _Codes()
    try:
        codes = np.fromiter(map(table.__getitem__, values), np.intp, len(values))
    except TypeError:
        table = _Codes()
        codes = np.fromiter(map(table.__getitem__, map(_hashable, values)), np.intp, len(values))
    return codes, list(table)


def _hashable(value: Any) -> Any:
    try:
        hash(value)
    except TypeError:
        return str(value)
    return value


def _repetitive(values: np.ndarray) -> bool:
    """Whether a column repeats a few values (judged on its first 1,024): then parse each distinct value once."""
    sample = values[:1024]
    try:
        return len(set(sample)) * 4 <= len(sample)
    except TypeError:  # unhashable values (lists, dicts)
        return False


def _to_float(name: str, values: np.ndarray) -> np.ndarray:
    n = len(values)
    try:
        if _repetitive(values):
            # Prices sit on a cent grid and many counts are "0.00": each distinct string is parsed once.
            return np.fromiter(map(_FloatCache().__getitem__, values), np.float64, n)
        try:
            return np.fromiter(map(float, values), np.float64, n)
        except TypeError:  # None among the values: the cache maps it to NaN
            return np.fromiter(map(_FloatCache().__getitem__, values), np.float64, n)
    except (TypeError, ValueError):
        pass
    parsed = pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").to_numpy(np.float64)
    lost = np.isnan(parsed) & ~np.fromiter(map(_is_missing, values), bool, n)
    _log_lost(name, values, lost, "numbers")
    return parsed


def _plain(values: np.ndarray) -> np.ndarray | None:
    """The values as a plain numpy array when numpy can infer one (all ints, or all bools), else None."""
    try:
        plain = np.array(values.tolist())
    except (ValueError, TypeError, OverflowError):  # ragged lists, huge ints
        return None
    return plain if plain.ndim == 1 else None


def _to_int(name: str, values: np.ndarray) -> Any:
    plain = _plain(values)
    if (
        plain is not None and plain.dtype.kind in "iu"
    ):  # no missing values: skip pandas' slower masked parsing
        return pd.arrays.IntegerArray(plain.astype(np.int64), np.zeros(len(plain), dtype=bool))
    try:
        return pd.array(values, dtype=_INT.dtype)
    except (TypeError, ValueError, OverflowError):
        floats = _to_float(name, values)
        whole = np.isfinite(floats) & (floats == np.round(floats)) & (np.abs(floats) < 2.0**63)
        _log_lost(name, values, ~whole & ~np.isnan(floats), "integers")
        return pd.array(np.where(whole, floats, np.nan), dtype=_INT.dtype)


_BOOL_TEXT = {"true": True, "false": False, "True": True, "False": False}


def _to_bool(name: str, values: np.ndarray) -> Any:
    plain = _plain(values)
    if plain is not None and plain.dtype == np.bool_:
        return pd.arrays.BooleanArray(plain, np.zeros(len(plain), dtype=bool))
    try:
        return pd.array(values, dtype=_BOOL.dtype)
    except (TypeError, ValueError, OverflowError):
        mapped = [
            v if isinstance(v, bool) else _BOOL_TEXT.get(v) if isinstance(v, str) else None for v in values
        ]
        lost = np.fromiter(
            (m is None and not _is_missing(v) for m, v in zip(mapped, values, strict=True)), bool, len(values)
        )
        _log_lost(name, values, lost, "booleans")
        return pd.array(mapped, dtype=_BOOL.dtype)


def _as_utc_ns(parsed: Any) -> Any:
    return pd.DatetimeIndex(parsed).astype(_TIME.dtype).array


def _to_time(name: str, values: np.ndarray) -> Any:
    """ISO-8601 strings (with ``Z``, an offset, or naive = UTC) and Unix seconds, to UTC ``datetime64[ns]``."""
    inferred = pd.api.types.infer_dtype(values, skipna=True)
    try:
        if inferred == "empty":
            return pd.array(np.full(len(values), np.datetime64("NaT", "ns")), dtype=_TIME.dtype)
        if inferred == "string":
            return _as_utc_ns(pd.to_datetime(values, utc=True, format="ISO8601", cache=False))
        if inferred in ("integer", "floating", "mixed-integer-float"):
            seconds = pd.to_numeric(pd.Series(values, dtype=object))
            return _as_utc_ns(pd.to_datetime(seconds, unit="s", utc=True))
        if inferred in ("datetime", "datetime64"):
            return _as_utc_ns(pd.to_datetime(values, utc=True))
    except (ValueError, TypeError, OverflowError):
        pass
    return _to_time_slow(name, values)


def _to_time_slow(name: str, values: np.ndarray) -> Any:
    out: list[Any] = []
    lost = np.zeros(len(values), bool)
    for i, value in enumerate(values):
        if _is_missing(value):
            out.append(pd.NaT)
            continue
        try:
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                stamp = pd.Timestamp(value, unit="s", tz="UTC")
            elif isinstance(value, str) and value.strip().lstrip("-").isdigit():
                stamp = pd.Timestamp(int(value), unit="s", tz="UTC")
            else:
                stamp = pd.Timestamp(value)
                stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
            out.append(stamp.as_unit("ns"))
        except (ValueError, TypeError, OverflowError):
            out.append(pd.NaT)
            lost[i] = True
    _log_lost(name, values, lost, "times")
    return pd.array(out, dtype=_TIME.dtype) if out else pd.array([], dtype=_TIME.dtype)


def _to_duration(name: str, values: np.ndarray) -> Any:
    """Timedeltas (only for a payload field that happens to share a derived duration column's name)."""
    out = []
    for value in values:
        try:
            out.append(pd.NaT if _is_missing(value) else pd.Timedelta(value))
        except (ValueError, TypeError, OverflowError):
            out.append(pd.NaT)
    lost = np.fromiter(
        (o is pd.NaT and not _is_missing(v) for o, v in zip(out, values, strict=True)), bool, len(out)
    )
    _log_lost(name, values, lost, "durations")
    return pd.Series(out, dtype=_DURATION.dtype).array


def _category_key(value: Any) -> str:
    return str(value)


def _to_category(name: str, values: np.ndarray, dtype: pd.CategoricalDtype) -> pd.Categorical:
    codes, uniques = _factorize(values)
    known = {category: i for i, category in enumerate(dtype.categories)}
    new = sorted((u for u in uniques if u not in known and not _is_missing(u)), key=_category_key)
    if new:
        logger.warning("%s: new value(s) %s appended to the known categories", name, new[:5])
        dtype = pd.CategoricalDtype([*dtype.categories, *new], ordered=False)
        known = {category: i for i, category in enumerate(dtype.categories)}
    lookup = np.array([-1 if _is_missing(u) else known.get(u, -1) for u in uniques], dtype=np.int64)
    return pd.Categorical.from_codes(lookup[codes] if len(codes) else codes, dtype=dtype)


def _convert(col: _Col, values: np.ndarray) -> Any:
    kind = col.kind
    if kind == _CATEGORY:
        return _to_category(col.name, values, col.dtype)
    if kind in (_DOLLARS, _COUNT, _NUMBER):
        return _to_float(col.name, values)
    if kind is _TIME:
        return _to_time(col.name, values)
    if kind in (_INT, _CENTS):
        return _to_int(col.name, values)
    if kind is _BOOL:
        return _to_bool(col.name, values)
    if kind is _DURATION:
        return _to_duration(col.name, values)
    # Text and JSON stay as they come; the copy lets the intermediate block be freed.
    return np.array(values, dtype=object, copy=True)


def _missing(col: _Col, n: int) -> pd.Series:
    return pd.Series(index=pd.RangeIndex(n), dtype=col.dtype)


def _infer_extra(name: str, values: np.ndarray) -> pd.Series:
    """An unknown field: typed by its name's suffix when every value parses, else as pandas infers it."""
    if name.endswith(("_dollars", "_fp")):
        try:
            return pd.Series(np.fromiter(map(_FloatCache().__getitem__, values), np.float64, len(values)))
        except (TypeError, ValueError):
            pass
    elif (
        name.endswith(("_time", "_ts", "_datetime"))
        and pd.api.types.infer_dtype(values, skipna=True) == "string"
    ):
        try:
            return pd.Series(_as_utc_ns(pd.to_datetime(values, utc=True, format="ISO8601", cache=False)))
        except (ValueError, TypeError, OverflowError):
            pass
    return pd.Series(list(values)).infer_objects() if len(values) else pd.Series([], dtype=object)


# --------------------------------------------------------------------------------------------------
# The engine


def _as_list(records: Iterable[Record]) -> list[Record]:
    return records if isinstance(records, list) else list(records)


@dataclass
class _Shaped:
    """Converted fixed columns plus the raw extras, before derived columns are added."""

    n: int
    columns: dict[str, Any]
    extras: dict[str, pd.Series]
    # Payload fields named like a derived column: parsed, they win over the derived values where present.
    overrides: dict[str, Any] = dataclasses.field(default_factory=dict)


def _field_block(records: list[Record], names: list[str]) -> np.ndarray:
    """The named fields of every record as one (records x names) object array; NaN where a field is absent.

    This is the extraction step of ``pd.DataFrame(records)`` without its per-column type inference and
    block consolidation; the Cython helper is private, so the public constructor is the fallback.
    """
    if _dicts_to_array is not None:
        try:
            return _dicts_to_array(records, names)
        except TypeError:  # records that are Mappings but not dicts
            return _dicts_to_array([dict(r) for r in records], names)
    return pd.DataFrame(records, columns=names, dtype=object).to_numpy()


def _shape(records: list[Record], schema: Sequence[_Col], *, exclude: Iterable[str] = ()) -> _Shaped:
    n = len(records)
    # The union of keys tells which fields are absent everywhere (nothing to read) and which are unknown.
    keys = set().union(*records) - set(exclude) if n else set()
    fixed = {c.name for c in schema}
    legacy = {name for c in schema for name, _ in c.legacy}
    names = sorted(keys)
    block = _field_block(records, names) if names else np.empty((0, 0), dtype=object)
    position = {name: j for j, name in enumerate(names)}

    def column(name: str) -> np.ndarray:
        return block[:, position[name]]

    columns: dict[str, Any] = {}
    overrides: dict[str, Any] = {}
    for col in schema:
        if col.derived:
            if col.name in keys:
                overrides[col.name] = _convert(col, column(col.name))
            continue
        values = _convert(col, column(col.name)) if col.name in keys else None
        for old, divisor in col.legacy:
            if old not in keys:
                continue
            fallback = _to_float(old, column(old))
            if divisor != 1:
                fallback = fallback / divisor  # integer cents / 100 is correctly rounded, cents * 0.01 is not
            values = fallback if values is None else np.where(np.isnan(values), fallback, values)
        columns[col.name] = values
    extras = {
        name: _infer_extra(name, column(name)) for name in names if name not in fixed and name not in legacy
    }
    return _Shaped(n, columns, extras, overrides)


def _assemble(shaped: _Shaped, schema: Sequence[_Col]) -> pd.DataFrame:
    index = pd.RangeIndex(shaped.n)
    data: dict[str, pd.Series] = {}
    for col in schema:
        values = shaped.columns.get(col.name)
        override = shaped.overrides.get(col.name)
        if override is not None:
            values = override if values is None else pd.Series(override).fillna(pd.Series(values)).array
        if values is None:
            data[col.name] = _missing(col, shaped.n)
        else:
            # A categorical keeps its own dtype: it may carry categories appended for values Kalshi added.
            dtype = None if col.kind == _CATEGORY else col.dtype
            data[col.name] = pd.Series(values, index=index, dtype=dtype, copy=False)
    for name, series in shaped.extras.items():
        data[name] = series.set_axis(index)
    return pd.DataFrame(data, index=index, copy=False) if data else pd.DataFrame(index=index)


def _quote_mid_spread(bid: np.ndarray, ask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mid and spread where both YES sides are quoted; rounded to 1e-8 to drop float noise (0.41-0.40)."""
    bid = np.asarray(bid, dtype=np.float64)
    ask = np.asarray(ask, dtype=np.float64)
    quoted = (bid > 0) & (bid < 1) & (ask > 0) & (ask < 1)
    mid = np.where(quoted, np.round((bid + ask) / 2, 8), np.nan)
    spread = np.where(quoted, np.round(ask - bid, 8), np.nan)
    return mid, spread


def _utc_now(now: Now) -> pd.Timestamp:
    if now is None:
        return pd.Timestamp.now(tz="UTC")
    stamp = pd.Timestamp(now)
    # A naive `now` is taken as UTC, the same rule as for naive ISO strings in the payloads.
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def _column_or_missing(shaped: _Shaped, col: _Col) -> Any:
    values = shaped.columns.get(col.name)
    return _missing(col, shaped.n).array if values is None else values


# --------------------------------------------------------------------------------------------------
# Public shaping functions


def markets_frame(records: Iterable[Record], *, now: Now = None) -> pd.DataFrame:
    """Shape Market objects (``GET /markets``, ``/historical/markets``, legacy or current) into a frame.

    ``now`` fixes the reference time of ``time_to_close`` (default: the current UTC time; a naive value
    is taken as UTC). See ``describe("markets")`` for every column.

    Example:
        >>> df = markets_frame([{"ticker": "T-1", "yes_bid_dollars": "0.4000", "yes_ask_dollars": "0.4100"}])
        >>> float(df.loc[0, "mid_dollars"]), float(df.loc[0, "spread_dollars"])
        (0.405, 0.01)
    """
    shaped = _shape(_as_list(records), _SCHEMAS["markets"])
    _add_market_derived(shaped, now)
    return _assemble(shaped, _SCHEMAS["markets"])


def _add_market_derived(shaped: _Shaped, now: Now) -> None:
    cols = {c.name: c for c in _MARKET_COLUMNS}
    bid = _column_or_missing(shaped, cols["yes_bid_dollars"])
    ask = _column_or_missing(shaped, cols["yes_ask_dollars"])
    shaped.columns["mid_dollars"], shaped.columns["spread_dollars"] = _quote_mid_spread(bid, ask)
    close = pd.DatetimeIndex(_column_or_missing(shaped, cols["close_time"]))
    shaped.columns["time_to_close"] = (close - _utc_now(now)).astype(_DURATION.dtype).to_numpy()


def events_frame(records: Iterable[Record]) -> pd.DataFrame:
    """Shape Event objects (``GET /events``) into a frame, one row per event.

    Nested ``markets`` (``with_nested_markets=true``) are not a column here: use
    :func:`event_markets_frame` for them. See ``describe("events")``.

    Example:
        >>> df = events_frame([{"event_ticker": "E-1", "series_ticker": "S", "collateral_return_type": ""}])
        >>> df.loc[0, "series_ticker"], bool(df["collateral_return_type"].isna().all())
        ('S', True)
    """
    return _assemble(_shape(_as_list(records), _EVENT_COLUMNS, exclude=("markets",)), _EVENT_COLUMNS)


def event_markets_frame(events: Iterable[Record], *, now: Now = None) -> pd.DataFrame:
    """Flatten the nested markets of Event objects into one market frame carrying its event's columns.

    Columns: every market column (as :func:`markets_frame`), then the event's columns prefixed with
    ``event_`` (``event_title``, ``event_mutually_exclusive``, ...; ``series_ticker`` keeps its name and
    ``event_ticker`` is the market's own), then unknown market fields, then unknown event fields (also
    prefixed). Events without nested markets contribute no rows. See ``describe("event_markets")``.

    Example:
        >>> ev = {"event_ticker": "E-1", "series_ticker": "S", "title": "Event", "markets": [{"ticker": "M-1"}]}
        >>> df = event_markets_frame([ev])
        >>> df.loc[0, ["ticker", "event_ticker", "series_ticker", "event_title"]].tolist()
        ['M-1', 'E-1', 'S', 'Event']
    """
    events = _as_list(events)
    markets: list[Record] = []
    counts: list[int] = []
    for event in events:
        nested = event.get("markets")
        nested = [m for m in nested if isinstance(m, Mapping)] if isinstance(nested, list) else []
        markets.extend(nested)
        counts.append(len(nested))
    mf = markets_frame(markets, now=now)
    ef = events_frame(events)
    rows = ef.take(np.repeat(np.arange(len(ef)), counts)).reset_index(drop=True)
    # A nested market normally repeats its event_ticker; fill it from the parent when it does not.
    mf["event_ticker"] = mf["event_ticker"].where(mf["event_ticker"].notna(), rows["event_ticker"])
    rows = rows.drop(columns="event_ticker")
    rows.columns = [
        c if c == "series_ticker" or c.startswith("event_") else f"event_{c}" for c in rows.columns
    ]
    n_market_fixed = len(_MARKET_COLUMNS) + len(_MARKET_DERIVED)
    n_event_fixed = len(_EVENT_COLUMNS) - 1
    market_extras = mf.iloc[:, n_market_fixed:]
    # A new market field named like an event column (say Kalshi starts sending series_ticker on markets)
    # is kept as market_<name>, so the event's column keeps its name and dtype.
    market_extras.columns = [f"market_{c}" if c in rows.columns else c for c in market_extras.columns]
    flat = pd.concat(
        [
            mf.iloc[:, :n_market_fixed],
            rows.iloc[:, :n_event_fixed],
            market_extras,
            rows.iloc[:, n_event_fixed:],
        ],
        axis=1,
    )
    flat.columns = _unique(flat.columns)
    return flat


def _unique(names: Iterable[str]) -> list[str]:
    """Column names made unique (name, name_2, ...): only odd payloads ever need it."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name}_{seen[name]}")
    return out


def series_frame(records: Iterable[Record]) -> pd.DataFrame:
    """Shape Series objects (``GET /series``) into a frame. See ``describe("series")``.

    Example:
        >>> series_frame([{"ticker": "KXBTC15M", "fee_type": "quadratic", "fee_multiplier": 1}]).dtypes["fee_multiplier"]
        dtype('float64')
    """
    return _assemble(_shape(_as_list(records), _SERIES_COLUMNS), _SERIES_COLUMNS)


def _object(values: Any, n: int) -> np.ndarray:
    return np.full(n, np.nan, dtype=object) if values is None else np.asarray(values, dtype=object)


def _fill_missing(shaped: _Shaped, schema: Sequence[_Col], name: str, fallback: np.ndarray) -> None:
    """Fill the gaps of one text/categorical column from values derived from older fields."""
    current = _object(shaped.columns.get(name), shaped.n)
    gaps = pd.isna(current)
    if not gaps.any():
        return
    merged = np.where(gaps, fallback, current)
    col = next(c for c in schema if c.name == name)
    shaped.columns[name] = _to_category(name, merged, col.dtype) if col.kind == _CATEGORY else merged


def _fill_direction(
    shaped: _Shaped, schema: Sequence[_Col], *, side: str, action: str | None, outcome: str, book: str
) -> None:
    """Derive ``outcome_side``/``book_side`` from the older side/action pair when a payload lacks them.

    Kalshi's rule: buy YES and sell NO give outcome 'yes'; buy NO and sell YES give 'no'; outcome 'yes' rests
    on (or hits) the YES bid side, outcome 'no' the ask side. Public trades carry only ``taker_side``,
    the side the taker bought.
    """
    if shaped.n == 0 or shaped.columns.get(side) is None:
        return
    sides = _object(shaped.columns[side], shaped.n)
    actions = (
        _object(shaped.columns.get(action), shaped.n) if action else np.full(shaped.n, "buy", dtype=object)
    )
    yes, no = sides == "yes", sides == "no"
    buy, sell = actions == "buy", actions == "sell"
    derived = np.full(shaped.n, np.nan, dtype=object)
    derived[(yes & buy) | (no & sell)] = "yes"
    derived[(no & buy) | (yes & sell)] = "no"
    _fill_missing(shaped, schema, outcome, derived)
    outcomes = _object(shaped.columns.get(outcome), shaped.n)
    books = np.full(shaped.n, np.nan, dtype=object)
    books[outcomes == "yes"] = "bid"
    books[outcomes == "no"] = "ask"
    _fill_missing(shaped, schema, book, books)


def trades_frame(records: Iterable[Record]) -> pd.DataFrame:
    """Shape public Trade objects (``GET /markets/trades``, ``/historical/trades``). See ``describe("trades")``.

    Legacy trades without ``taker_outcome_side``/``taker_book_side`` get them from ``taker_side``.

    Example:
        >>> float(trades_frame([{"trade_id": "t", "count_fp": "763.00"}]).loc[0, "count_fp"])
        763.0
    """
    shaped = _shape(_as_list(records), _TRADE_COLUMNS)
    _fill_direction(
        shaped,
        _TRADE_COLUMNS,
        side="taker_side",
        action=None,
        outcome="taker_outcome_side",
        book="taker_book_side",
    )
    return _assemble(shaped, _TRADE_COLUMNS)


def fills_frame(records: Iterable[Record]) -> pd.DataFrame:
    """Shape Fill objects (``GET /portfolio/fills``). ``fee_cost`` is parsed to dollars. See ``describe("fills")``.

    Legacy fills get ``fill_id``/``market_ticker`` from ``trade_id``/``ticker`` (Kalshi documents them as the
    same values) and ``outcome_side``/``book_side`` from ``side``/``action``.

    Example:
        >>> float(fills_frame([{"fill_id": "f", "fee_cost": "0.0420"}]).loc[0, "fee_cost"])
        0.042
    """
    shaped = _shape(_as_list(records), _FILL_COLUMNS)
    for target, source in (
        ("fill_id", "trade_id"),
        ("trade_id", "fill_id"),
        ("market_ticker", "ticker"),
        ("ticker", "market_ticker"),
    ):
        if shaped.n and shaped.columns.get(source) is not None:
            _fill_missing(shaped, _FILL_COLUMNS, target, _object(shaped.columns[source], shaped.n))
    _fill_direction(
        shaped, _FILL_COLUMNS, side="side", action="action", outcome="outcome_side", book="book_side"
    )
    return _assemble(shaped, _FILL_COLUMNS)


def orders_frame(records: Iterable[Record]) -> pd.DataFrame:
    """Shape Order objects (``GET /portfolio/orders``). See ``describe("orders")``.

    Legacy orders get ``outcome_side``/``book_side`` from ``side``/``action``.

    Example:
        >>> orders_frame([{"order_id": "o", "status": "resting"}])["status"].cat.categories.tolist()
        ['resting', 'canceled', 'executed', 'pending']
    """
    shaped = _shape(_as_list(records), _ORDER_COLUMNS)
    _fill_direction(
        shaped, _ORDER_COLUMNS, side="side", action="action", outcome="outcome_side", book="book_side"
    )
    return _assemble(shaped, _ORDER_COLUMNS)


def positions_frame(records: Iterable[Record]) -> pd.DataFrame:
    """Shape MarketPosition objects (``market_positions`` of ``GET /portfolio/positions``).

    See ``describe("positions")``; event positions go through :func:`event_positions_frame`.

    Example:
        >>> float(positions_frame([{"ticker": "T", "position": -3}]).loc[0, "position_fp"])  # legacy integer count
        -3.0
    """
    return _assemble(_shape(_as_list(records), _POSITION_COLUMNS), _POSITION_COLUMNS)


def event_positions_frame(records: Iterable[Record]) -> pd.DataFrame:
    """Shape EventPosition objects (``event_positions`` of ``GET /portfolio/positions``).

    Example:
        >>> float(event_positions_frame([{"event_ticker": "E", "total_cost": 250}]).loc[0, "total_cost_dollars"])
        2.5
    """
    return _assemble(_shape(_as_list(records), _EVENT_POSITION_COLUMNS), _EVENT_POSITION_COLUMNS)


def settlements_frame(records: Iterable[Record]) -> pd.DataFrame:
    """Shape Settlement objects (``GET /portfolio/settlements``).

    ``revenue`` and ``value`` stay integer cents as the API sends them (``Int64``); ``revenue_dollars`` and
    ``value_dollars`` are the same amounts in dollars. See ``describe("settlements")``.

    Example:
        >>> df = settlements_frame([{"ticker": "T", "revenue": 1000, "value": 100}])
        >>> int(df.loc[0, "revenue"]), float(df.loc[0, "revenue_dollars"]), float(df.loc[0, "value_dollars"])
        (1000, 10.0, 1.0)
    """
    shaped = _shape(_as_list(records), _SCHEMAS["settlements"])
    for cents, dollars in (("revenue", "revenue_dollars"), ("value", "value_dollars")):
        col = next(c for c in _SETTLEMENT_COLUMNS if c.name == cents)
        shaped.columns[dollars] = (
            pd.array(_column_or_missing(shaped, col)).to_numpy(np.float64, na_value=np.nan) / 100
        )
    return _assemble(shaped, _SCHEMAS["settlements"])


def balance_frame(payload: Record) -> pd.DataFrame:
    """Shape a ``GET /portfolio/balance`` response into a one-row frame (cents and dollars side by side).

    Example:
        >>> df = balance_frame({"balance": 12345, "balance_dollars": "123.4500", "portfolio_value": 500, "updated_ts": 0})
        >>> float(df.loc[0, "balance_dollars"]), float(df.loc[0, "portfolio_value_dollars"])
        (123.45, 5.0)
    """
    shaped = _shape([payload], _SCHEMAS["balance"])
    col = next(c for c in _BALANCE_COLUMNS if c.name == "portfolio_value")
    value = pd.array(_column_or_missing(shaped, col)).to_numpy(np.float64, na_value=np.nan)
    shaped.columns["portfolio_value_dollars"] = value / 100
    return _assemble(shaped, _SCHEMAS["balance"])


# --------------------------------------------------------------------------------------------------
# Orderbook


def _book_levels(book: Mapping[str, Any], side: str) -> tuple[list[Any], list[Any], int]:
    """The levels of one side and the divisor of their prices: today's dollar strings, or legacy cents."""
    levels: Any = None
    divisor = 1
    for key, divisor in ((f"{side}_dollars", 1), (f"{side}_dollars_fp", 1), (side, 100)):  # noqa: B007
        levels = book.get(key)
        if levels is not None:
            break
    levels = levels if isinstance(levels, list) else []
    good = [level for level in levels if isinstance(level, (list, tuple)) and len(level) >= 2]
    if len(good) != len(levels):
        logger.warning(
            "orderbook %s: %d level(s) are not [price, count] pairs and were skipped",
            side,
            len(levels) - len(good),
        )
    return [level[0] for level in good], [level[1] for level in good], divisor


def orderbook_frame(payload: Record, *, ticker: str | None = None) -> pd.DataFrame:
    """Shape an orderbook (``GET /markets/{ticker}/orderbook``) into one frame holding both sides.

    Kalshi's book only lists bids: YES bids and NO bids. A NO bid at price q is an offer to sell YES at
    1 - q, so each NO level is also shown as an implied YES ask. Layout: one row per level; ``side`` is the
    list it came from (yes/no), ``price_dollars`` its own price, ``yes_price_dollars`` the YES-terms price
    (the bid itself, or 1 - NO bid), ``book_side`` bid/ask in YES terms, ``level`` 0 for the best level of its
    book side, and ``cum_count_fp`` the depth from the best level outward. Rows are sorted by
    ``yes_price_dollars`` from high to low, like a price ladder: implied asks on top (worst first), the
    best ask and the best bid meet in the middle, then bids down to the worst. Accepts the whole response
    (``{"orderbook_fp": ...}``), a legacy ``{"orderbook": {"yes": [[cents, count]], ...}}`` response, or the
    inner book. See ``describe("orderbook")``.

    Example:
        >>> book = {"orderbook_fp": {"yes_dollars": [["0.4000", "10.00"]], "no_dollars": [["0.5900", "5.00"]]}}
        >>> orderbook_frame(book)[["book_side", "yes_price_dollars", "count_fp"]].values.tolist()
        [['ask', 0.41, 5.0], ['bid', 0.4, 10.0]]
    """
    book = payload.get("orderbook_fp") or payload.get("orderbook") or payload
    book = book if isinstance(book, Mapping) else {}
    sides: list[str] = []
    prices: list[float] = []
    counts: list[Any] = []
    for side in _YES_NO:
        raw_prices, raw_counts, divisor = _book_levels(book, side)
        parsed = _to_float(f"orderbook {side} price", _objects(raw_prices)) / divisor
        prices.extend(parsed.tolist())
        counts.extend(raw_counts)
        sides.extend([side] * len(raw_prices))
    price = np.array(prices, dtype=np.float64)
    count = _to_float("orderbook count", _objects(counts))
    is_yes = np.array([s == "yes" for s in sides], dtype=bool)
    yes_price = np.where(is_yes, price, np.round(1 - price, 8))
    order = np.argsort(-yes_price, kind="stable")
    price, count, is_yes, yes_price = price[order], count[order], is_yes[order], yes_price[order]
    n = len(price)
    level = np.zeros(n, dtype=np.int64)
    depth = np.zeros(n, dtype=np.float64)
    bids = np.flatnonzero(is_yes)  # already best (highest) first
    asks = np.flatnonzero(~is_yes)[::-1]  # best (lowest YES price) first
    for rows in (bids, asks):
        level[rows] = np.arange(len(rows))
        depth[rows] = np.cumsum(count[rows])
    columns: dict[str, Any] = {
        "ticker": _objects([ticker] * n),
        "side": np.where(is_yes, "yes", "no").astype(object),
        "price_dollars": price,
        "count_fp": count,
        "yes_price_dollars": yes_price,
        "book_side": np.where(is_yes, "bid", "ask").astype(object),
        "level": level,
        "cum_count_fp": depth,
    }
    return _assemble(_Shaped(n, _typed(columns, _ORDERBOOK_COLUMNS), {}), _ORDERBOOK_COLUMNS)


def _typed(columns: dict[str, Any], schema: Sequence[_Col]) -> dict[str, Any]:
    """Categorical columns built by hand go through the same category rules as parsed ones."""
    kinds = {c.name: c for c in schema}
    return {
        name: _to_category(name, values, kinds[name].dtype) if kinds[name].kind == _CATEGORY else values
        for name, values in columns.items()
    }


# --------------------------------------------------------------------------------------------------
# Candlesticks


def _candle_price(subs: list[Mapping[str, Any]], group: str, field: str, *, historical: bool) -> np.ndarray:
    """One flattened price: ``<field>_dollars`` (today), else the bare ``<field>``.

    A bare field holds dollar strings on the historical endpoint and integer cents in legacy (pre-March
    2026) live candles; a bare string is always dollars, since legacy cents were JSON integers.
    """
    name = f"{group}_{field}_dollars"
    values = _to_float(name, _objects([s.get(f"{field}_dollars") for s in subs]))
    bare = [s.get(field) for s in subs]
    if all(v is None for v in bare):
        return values
    fallback = _to_float(name, _objects(bare))
    if not historical:
        cents = np.fromiter(
            (isinstance(v, (int, float)) and not isinstance(v, bool) for v in bare), bool, len(bare)
        )
        fallback = np.where(cents, fallback / 100, fallback)
    return np.where(np.isnan(values), fallback, values)


def candles_frame(
    records: Iterable[Record], *, historical: bool = False, ticker: str | None = None
) -> pd.DataFrame:
    """Flatten candlesticks into one row per period with OHLC columns.

    Live candles (``GET /series/{s}/markets/{t}/candlesticks``: ``yes_bid.open_dollars``, ``volume_fp``),
    historical ones (``/historical/markets/{t}/candlesticks``, ``historical=True``: ``yes_bid.open``,
    ``volume``) and legacy live ones (integer cents in ``yes_bid.open``) all shape into the same columns:
    ``yes_bid_open_dollars`` ... ``price_close_dollars``, ``volume_fp``, ``open_interest_fp`` and
    ``end_period_ts`` as a UTC datetime. Unknown fields inside ``yes_bid``/``yes_ask``/``price`` are kept as
    ``<group>_<field>``. ``ticker`` fills the ticker column (the response carries it once, outside the
    records). See ``describe("candles")``.

    Example:
        >>> c = {"end_period_ts": 1788748500, "yes_bid": {"close_dollars": "0.4600"}, "yes_ask": {"close_dollars": "0.4700"}}
        >>> df = candles_frame([c], ticker="T")
        >>> str(df.loc[0, "end_period_ts"]), float(df.loc[0, "mid_close_dollars"])
        ('2026-09-07 02:35:00+00:00', 0.465)
    """
    records = _as_list(records)
    n = len(records)
    columns: dict[str, Any] = {}
    extras: dict[str, pd.Series] = {}
    for group, fields in _CANDLE_GROUPS:
        raw = [r.get(group) for r in records]
        subs = [g if isinstance(g, Mapping) else {} for g in raw]
        odd = np.array([g is not None and not isinstance(g, Mapping) for g in raw], dtype=bool)
        _log_lost(group, _objects(raw), odd, "objects of prices")
        for field in fields:
            columns[f"{group}_{field}_dollars"] = _candle_price(subs, group, field, historical=historical)
        known = {*fields, *(f"{f}_dollars" for f in fields)}
        for key in sorted(set().union(*subs) - known if subs else ()):
            extras[f"{group}_{key}"] = _infer_extra(f"{group}_{key}", _objects([s.get(key) for s in subs]))
    top = _shape(records, _SCHEMAS["candles"], exclude=[g for g, _ in _CANDLE_GROUPS])
    for name, values in top.columns.items():
        if name not in columns or values is None:
            columns.setdefault(name, values)
        else:  # a flattened name sent at the top level: it fills what the nested objects left empty
            columns[name] = np.where(np.isnan(columns[name]), values, columns[name])
    extras.update(top.extras)
    names = [r.get("ticker") or r.get("market_ticker") for r in records]
    columns["ticker"] = _objects([ticker if ticker is not None else name for name in names])
    columns["mid_close_dollars"], columns["spread_close_dollars"] = _quote_mid_spread(
        columns["yes_bid_close_dollars"], columns["yes_ask_close_dollars"]
    )
    return _assemble(_Shaped(n, columns, extras, top.overrides), _SCHEMAS["candles"])


# --------------------------------------------------------------------------------------------------
# Column documentation


def describe(kind: str) -> pd.DataFrame:
    """The columns of one frame kind: name, dtype, unit and description (derived columns say so).

    Example:
        >>> d = describe("markets")
        >>> d.set_index("column").loc["yes_bid_dollars", ["dtype", "unit"]].tolist()
        ['float64', 'USD']
    """
    if kind not in _SCHEMAS:
        raise ValueError(f"unknown kind {kind!r}; choose one of {', '.join(KINDS)}")
    rows = [
        {
            "column": c.name,
            "dtype": "category" if c.kind == _CATEGORY else str(c.dtype),
            "unit": c.unit_text,
            "description": ("(derived) " if c.derived else "") + c.doc,
        }
        for c in _SCHEMAS[kind]
    ]
    return pd.DataFrame(rows, columns=["column", "dtype", "unit", "description"]).astype(object)


def _render_doc() -> str:
    parts = ["\n\nColumns of every frame\n----------------------\n"]
    for kind, schema in _SCHEMAS.items():
        parts.append(f"\n{kind}:\n")
        for c in schema:
            dtype = "category" if c.kind == _CATEGORY else str(c.dtype)
            unit = f" [{c.unit_text}]" if c.unit_text else ""
            derived = " (derived)" if c.derived else ""
            parts.append(f"  {c.name} ({dtype}){unit}{derived}: {c.doc}\n")
    return "".join(parts)


if __doc__ is not None:  # stripped under python -OO
    __doc__ += _render_doc()
