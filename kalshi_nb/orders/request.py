"""The order request: what to trade, checked against the market itself before anything is read or sent.

Example:
    >>> import kalshi_nb
    >>> client = kalshi_nb.connect("sandbox")
    >>> req = OrderRequest.for_ticker("KXFEDDECISION-26DEC-H0", "no", "buy", 3, "0.30", client=client)
    >>> req.body["side"], req.body["price"], req.describe()
    ('ask', '0.7000', 'buy 3 NO @ $0.30 GTC')
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from .. import order_v2
from ..errors import MarketNotOpenError
from .amounts import ONE, _num, _usd

if TYPE_CHECKING:
    from ..client import KalshiClient


@dataclass(frozen=True, init=False, eq=False, repr=False)
class OrderRequest:
    """A limit order, validated against its market when built; ``client_order_id`` is minted then.

    ``price`` is the limit in dollars of the outcome named (``"0.45"``, or ``"0.055"`` on a sub-penny
    market, on the step of its price band); ``price_cents`` (an integer 1-99) is the alternative. ``count``
    may be fractional, to 0.01 (fractional trading is universal). ``market`` is the market object (``client.get_market``);
    ``OrderRequest.for_ticker`` reads it for you.

    Example:
        >>> import kalshi_nb
        >>> market = kalshi_nb.connect("sandbox").get_market("KXFEDDECISION-26DEC-H0")
        >>> req = OrderRequest(market, "no", "buy", 3, "0.30")
        >>> req.body["side"], req.body["price"]
        ('ask', '0.7000')
    """

    market: Mapping[str, Any]
    outcome: str
    action: str
    count: Decimal
    price: Decimal
    time_in_force: str
    client_order_id: str

    def __init__(
        self,
        market: Mapping[str, Any],
        outcome: str,
        action: str,
        count: object,
        price: object = None,
        time_in_force: str = "good_till_canceled",
        *,
        price_cents: int | None = None,
        client_order_id: str | None = None,
    ) -> None:
        if not isinstance(market, Mapping) or not market.get("ticker"):
            raise TypeError("market must be a market object with a ticker (client.get_market(ticker))")
        setter = object.__setattr__  # frozen: every field is set once, here
        setter(self, "market", dict(market))
        setter(self, "outcome", _check_outcome(outcome))
        setter(self, "action", _check_action(action))
        setter(self, "time_in_force", order_v2.check_time_in_force(time_in_force))
        setter(self, "price", _parse_limit(price, price_cents))
        setter(self, "count", order_v2.parse_count(count))  # fractional trading is universal
        setter(
            self,
            "client_order_id",
            order_v2.new_client_order_id()
            if client_order_id is None
            else order_v2.check_client_order_id(client_order_id),
        )
        self.check_market(market)

    @classmethod
    def for_ticker(
        cls,
        ticker: str,
        outcome: str,
        action: str,
        count: object,
        price: object = None,
        time_in_force: str = "good_till_canceled",
        *,
        price_cents: int | None = None,
        client: KalshiClient | None = None,
    ) -> OrderRequest:
        """Read the market (one GET) and build the request against it.

        Example:
            >>> import kalshi_nb
            >>> client = kalshi_nb.connect("sandbox")
            >>> OrderRequest.for_ticker("KXFEDDECISION-26DEC-H0", "yes", "buy", 10, "0.45").describe()
            'buy 10 YES @ $0.45 GTC'
        """
        if not isinstance(ticker, str) or not ticker.strip():
            raise ValueError(f"ticker must be a market ticker, got {ticker!r}")
        market = client_or_default(client).get_market(ticker.strip())
        return cls(market, outcome, action, count, price, time_in_force, price_cents=price_cents)

    def check_market(self, market: Mapping[str, Any]) -> None:
        """Raise unless ``market`` (a fresh read of the same market) is open and takes this price and count."""
        ticker = market.get("ticker")
        if ticker != self.market.get("ticker"):
            raise ValueError(f"this request is for {self.ticker}, not {ticker}")
        status = market.get("status")
        if status not in ("active", "open"):
            raise MarketNotOpenError(
                f"market {ticker} is not open for trading (status {status!r}); pick an open market"
            )
        # By the step of the band holding the price (price_ranges), never by the structure's name: the
        # grid may have changed since the request was built.
        grid = order_v2.price_grid(dict(market))
        yes = order_v2.yes_price(self.outcome, self.price)
        if not order_v2.on_grid(yes, grid):
            raise ValueError(
                f"limit {_num(self.price)} for {self.outcome.upper()} (YES price {_num(yes)}) is not on {ticker}'s "
                f"price grid: {order_v2.grid_text(grid, yes)}"
            )

    # --- derived ---
    @property
    def ticker(self) -> str:
        return str(self.market["ticker"])

    @property
    def book_side(self) -> str:
        """V2 ``side``: ``bid`` for buy YES / sell NO, ``ask`` for buy NO / sell YES."""
        return order_v2.book_side(self.outcome, self.action)

    @property
    def yes_price(self) -> Decimal:
        """V2 ``price``: the YES price, whatever the outcome."""
        return order_v2.yes_price(self.outcome, self.price)

    @property
    def bought_outcome(self) -> str:
        """The outcome whose contracts this order acquires: selling YES is buying NO, and vice versa."""
        return "yes" if self.book_side == "bid" else "no"

    @property
    def bought_price(self) -> Decimal:
        """The limit price of the bought outcome (``1 - price`` for a sell)."""
        return self.price if self.action == "buy" else ONE - self.price

    @property
    def body(self) -> dict[str, Any]:
        """The V2 create-order body this request sends (a fresh dict each time)."""
        return order_v2.build_order_body(
            ticker=self.ticker,
            side=self.outcome,
            action=self.action,
            count=self.count,
            price=self.price,
            client_order_id=self.client_order_id,
            time_in_force=self.time_in_force,
        )

    def describe(self) -> str:
        """``buy 10 YES @ $0.45 GTC``."""
        tif = {"good_till_canceled": "GTC", "immediate_or_cancel": "IOC", "fill_or_kill": "FOK"}[
            self.time_in_force
        ]
        return f"{self.action} {_num(self.count)} {self.outcome.upper()} @ {_usd(self.price)} {tif}"

    def __repr__(self) -> str:
        return f"<OrderRequest {self.ticker}: {self.describe()} client_order_id={self.client_order_id}>"


def client_or_default(client: KalshiClient | None) -> KalshiClient:
    """``client``, or the default one set by ``kalshi_nb.connect()`` when it is None."""
    if client is not None:
        return client
    from ..defaults import default_client

    return default_client()


def _check_outcome(value: object) -> str:
    if not isinstance(value, str) or value.lower() not in ("yes", "no"):
        raise ValueError(f"outcome must be 'yes' or 'no', got {value!r}")
    return value.lower()


def _check_action(value: object) -> str:
    if not isinstance(value, str) or value.lower() not in ("buy", "sell"):
        raise ValueError(f"action must be 'buy' or 'sell', got {value!r}")
    return value.lower()


def _parse_limit(price: object, price_cents: object) -> Decimal:
    """The limit in dollars; a clear message for the classic cents-for-dollars slip."""
    if isinstance(price, str):
        price = price.strip().lstrip("$").strip()
        if not price:
            price = None
    if price is None and price_cents is None:
        raise ValueError("enter a limit price in dollars, e.g. 0.45 (or price_cents=45)")
    if price is not None and price_cents is not None:
        raise ValueError("give the limit price once: price (dollars) or price_cents, not both")
    try:
        if price_cents is not None:
            return order_v2.parse_price(price_cents=price_cents)
        return order_v2.parse_price(price_dollars=price)
    except ValueError as exc:
        text = (
            str(exc)
            .replace("price_dollars", "price")
            .replace("use price_cents", f"did you mean {_cents_hint(price)}?")
        )
        raise ValueError(text) from None


def _cents_hint(price: object) -> str:
    try:
        return f"${Decimal(str(price)) / 100}"
    except InvalidOperation:
        return "a dollar price such as 0.45"
