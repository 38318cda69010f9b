"""The column tables of frames that only the live feed makes (no REST twin): ``ticker``.

Kept out of ``columns`` (which holds the REST kinds and is at its size limit); ``columns._SCHEMAS`` lists
them with the others, so ``describe("ticker")`` and the notebook display know them.
"""

from __future__ import annotations

from .kinds import _COUNT, _DOLLARS, _INT, _TEXT, _TIME, _c, _Col

# The WebSocket ``ticker`` message (asyncapi.yaml tickerPayload), one row per market.
_TICKER_COLUMNS: tuple[_Col, ...] = (
    _c("ticker", _TEXT, "Market ticker."),
    _c("market_id", _TEXT, "Market id."),
    _c("price_dollars", _DOLLARS, "Last traded YES price."),
    _c("yes_bid_dollars", _DOLLARS, "Best YES bid."),
    _c("yes_ask_dollars", _DOLLARS, "Best YES ask."),
    _c("yes_bid_size_fp", _COUNT, "Contracts at the best YES bid."),
    _c("yes_ask_size_fp", _COUNT, "Contracts at the best YES ask."),
    _c("last_trade_size_fp", _COUNT, "Size of the last trade."),
    _c("volume_fp", _COUNT, "Contracts traded."),
    _c("open_interest_fp", _COUNT, "Open interest."),
    _c("dollar_volume", _INT, "Signed whole-dollar volume."),
    _c("dollar_open_interest", _INT, "Signed whole-dollar open interest."),
    _c("time", _TIME, "When the ticker changed (from ts_ms, else ts)."),
)
