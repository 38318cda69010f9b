"""The column tables: every frame kind's fixed columns in order, their dtypes, units and meaning.

Order follows the kalshi-python-sync 3.34 models; :func:`describe` shows one table as a DataFrame.
"""

from __future__ import annotations

import pandas as pd

from .feed_columns import _TICKER_COLUMNS
from .kinds import (
    _BID_ASK,
    _BOOL,
    _BUY_SELL,
    _CATEGORY,
    _CENTS,
    _COUNT,
    _DOLLARS,
    _DURATION,
    _EMPTY_SIDE,
    _FEE_TYPES,
    _INT,
    _JSON,
    _NUMBER,
    _TEXT,
    _TIME,
    _YES_NO,
    _c,
    _cat,
    _cents_legacy,
    _Col,
    _count_legacy,
    _derived,
)

# AsyncAPI lifecyclePriceLevelStructure (2026-12), the empty "unknown" aside.
_PRICE_STRUCTURES = (
    "linear_cent",
    "deci_cent",
    "tapered_deci_cent",
    "center_whole_edge_half_cent",
    "center_whole_edge_quint_cent",
    "center_half_edge_half_cent",
    "center_half_edge_quint_cent",
    "center_half_edge_deci_cent",
    "center_quint_edge_quint_cent",
    "center_quint_edge_deci_cent",
    "center_centi_edge_centi_cent",
    "center_deci_edge_centi_cent",
    "banded_centi_cent",
)

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
    _cat(
        "price_level_structure",
        _PRICE_STRUCTURES,
        "Tick-size structure's name; the ticks themselves are in price_ranges (orders follow the bands).",
    ),
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
    _Col(
        "scope",
        _CATEGORY,
        "'total': the answer itself (every shard, unless the request named one); 'shard': one row per "
        "entry of balance_breakdown.",
        categories=("total", "shard"),
        derived=True,
    ),
    _derived("exchange_index", _INT, "The exchange shard of a 'shard' row; missing on the total row."),
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
    "ticker": _TICKER_COLUMNS,  # the live feed's ticker messages (feed_columns.py)
}

KINDS: tuple[str, ...] = tuple(_SCHEMAS)
"""The frame kinds that :func:`describe` knows."""


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
