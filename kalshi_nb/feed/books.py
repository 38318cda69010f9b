"""Exact order books from ``orderbook_snapshot`` / ``orderbook_delta`` messages, and ``seq`` tracking per sid.

Pure: no network, no threads, no clock of its own (times are passed in), so every rule here is tested on
saved message payloads. Prices and sizes are :class:`~decimal.Decimal` built from the wire strings, so a
thousand deltas sum to exactly what the exchange holds (floats would drift).

Levels are kept as the REST book keeps them: bids only, each side in its own terms (a NO bid at 0.54 is
stored under ``no`` at 0.54). With ``use_yes_price=True`` Kalshi reports NO levels in YES-leg pricing
(1 - the NO price); :func:`no_price` turns them back, so both subscribe modes give the same book.

Example:
    >>> book = Book("T")
    >>> book.apply_snapshot({"clock": 5, "yes_dollars_fp": [["0.4000", "10.00"]]})
    >>> book.apply_delta({"price_dollars": "0.4000", "delta_fp": "-4.00", "side": "yes", "clock": 6})
    >>> book.levels("yes")
    [(Decimal('0.4000'), Decimal('6.00'))]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

ONE = Decimal(1)
SIDES = ("yes", "no")
# Wire strings already parsed, by their text: a feed repeats a few hundred prices and counts endlessly, and
# a dict lookup is ten times cheaper than Decimal(text). Decimals are immutable, so books may share them.
# Bounded (cleared when full) so that a feed of ever-new numbers cannot grow it without limit.
_PARSED: dict[str, Decimal] = {}
_PARSED_MAX = 1 << 16


class BookError(ValueError):
    """A message that cannot be applied (bad number, negative size): the book must be rebuilt."""


def exact(value: Any) -> Decimal:
    """A wire number as an exact Decimal: strings as written, ints as is, floats by their shortest repr.

    Example:
        >>> exact("0.4500"), exact(3), exact(0.1)
        (Decimal('0.4500'), Decimal('3'), Decimal('0.1'))
    """
    if type(value) is str:
        known = _PARSED.get(value)
        if known is not None:
            return known
    if isinstance(value, bool):
        raise BookError(f"not a number: {value!r}")
    try:
        # str(float) is the shortest repr, so 0.1 becomes Decimal("0.1"), not the binary expansion.
        result = Decimal(value if isinstance(value, str | int) else str(value))
    except (InvalidOperation, TypeError, ValueError):
        raise BookError(f"not a number: {value!r}") from None
    if not result.is_finite():
        raise BookError(f"not a finite number: {value!r}")
    if type(value) is str:
        if len(_PARSED) >= _PARSED_MAX:
            _PARSED.clear()
        _PARSED[value] = result
    return result


def no_price(price: Decimal, side: str, use_yes_price: bool) -> Decimal:
    """The price of a level in its own side's terms (NO levels arrive as 1 - p when ``use_yes_price``).

    Example:
        >>> no_price(Decimal("0.4600"), "no", True), no_price(Decimal("0.4600"), "no", False)
        (Decimal('0.5400'), Decimal('0.4600'))
    """
    return ONE - price if (use_yes_price and side == "no") else price


class Stamp:
    """When a subscription last proved itself current (an in-order message), shared by all of its books.

    One write per message instead of one per book: with a thousand markets on a sid, confirming each book
    on every message would cost more than applying the message. A valid book's ``confirmed`` is the later
    of its own time and its stamps'.

    Example:
        >>> stamp, book = Stamp(), Book("T")
        >>> book.watch(stamp); book.apply_snapshot({}, now=1.0); stamp.at = 5.0
        >>> book.confirmed
        5.0
    """

    __slots__ = ("at",)

    def __init__(self, at: float | None = None) -> None:
        self.at = at


class Book:
    """One market's book: ``yes``/``no`` bids as ``{price: size}`` (Decimal), the exchange ``clock``, validity.

    ``valid`` is False until a snapshot arrived, and again after anything that may have lost a change (a
    gap on its subscription, a bad delta, a disconnect); deltas are not applied to an invalid book, since
    they would be applied to the wrong state. ``confirmed`` is the (caller's) time the book was last known
    current: a snapshot, a delta, or any in-order message on its subscription (through :class:`Stamp`).
    """

    __slots__ = ("_confirmed", "_stamps", "clock", "deltas", "no", "snapshots", "ticker", "valid", "yes")

    def __init__(
        self,
        ticker: str,
        yes: dict[Decimal, Decimal] | None = None,
        no: dict[Decimal, Decimal] | None = None,
        clock: int | None = None,
        valid: bool = False,
        confirmed: float | None = None,
        snapshots: int = 0,
        deltas: int = 0,
    ) -> None:
        self.ticker = ticker
        self.yes: dict[Decimal, Decimal] = {} if yes is None else yes
        self.no: dict[Decimal, Decimal] = {} if no is None else no
        self.clock = clock
        self.valid = valid
        self._confirmed = confirmed
        self.snapshots = snapshots
        self.deltas = deltas
        self._stamps: tuple[Stamp, ...] = ()

    @property
    def confirmed(self) -> float | None:
        own = self._confirmed
        if self.valid:
            for stamp in self._stamps:
                at = stamp.at
                if at is not None and (own is None or at > own):
                    own = at
        return own

    @confirmed.setter
    def confirmed(self, value: float | None) -> None:
        self._confirmed = value

    def watch(self, stamp: Stamp) -> None:
        """Let ``stamp`` (its subscription's) confirm this book while it is valid."""
        if not any(s is stamp for s in self._stamps):
            self._stamps = (*self._stamps, stamp)

    def unwatch(self) -> None:
        """Forget every stamp (the subscriptions are gone), keeping the time they gave."""
        self._confirmed = self.confirmed
        self._stamps = ()

    def __repr__(self) -> str:
        return (
            f"Book(ticker={self.ticker!r}, yes={self.yes!r}, no={self.no!r}, clock={self.clock!r}, "
            f"valid={self.valid!r}, confirmed={self.confirmed!r}, snapshots={self.snapshots!r}, "
            f"deltas={self.deltas!r})"
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Book):
            return NotImplemented
        return (self.ticker, self.yes, self.no, self.clock, self.valid, self.confirmed) == (
            other.ticker, other.yes, other.no, other.clock, other.valid, other.confirmed
        ) and (self.snapshots, self.deltas) == (other.snapshots, other.deltas)  # fmt: skip

    __hash__ = None  # type: ignore[assignment]  # mutable, like the dataclass it replaced

    def side(self, side: str) -> dict[Decimal, Decimal]:
        if side == "yes":
            return self.yes
        if side == "no":
            return self.no
        raise BookError(f"side must be 'yes' or 'no', got {side!r}")

    def apply_snapshot(
        self, msg: Mapping[str, Any], *, use_yes_price: bool = False, now: float | None = None
    ) -> None:
        """Replace the whole book with a snapshot's ``msg`` (a missing side key means that side is empty)."""
        fresh: dict[str, dict[Decimal, Decimal]] = {"yes": {}, "no": {}}
        for side in SIDES:
            levels = fresh[side]
            flip = use_yes_price and side == "no"
            for row in msg.get(f"{side}_dollars_fp") or ():
                price, size = _level(row)
                if size < 0:
                    raise BookError(f"negative size in snapshot: {row!r}")
                if size:
                    levels[ONE - price if flip else price] = size
        self.yes, self.no = fresh["yes"], fresh["no"]
        self.clock = _clock(msg)
        self.valid = True
        self.snapshots += 1
        self._confirmed = now

    def apply_delta(
        self, msg: Mapping[str, Any], *, use_yes_price: bool = False, now: float | None = None
    ) -> None:
        """Add a signed ``delta_fp`` at ``price_dollars`` on ``side``; a level at 0 is dropped.

        A result below zero means this book missed something: it raises :class:`BookError` and leaves the
        book invalid (the caller asks for a snapshot).
        """
        if not self.valid:
            return
        # The hot path of the feed (most frames are deltas): no allocation but the new size.
        side = msg.get("side")
        if side == "yes":
            levels = self.yes
        elif side == "no":
            levels = self.no
        else:
            self.invalidate()
            raise BookError(f"bad orderbook_delta {dict(msg)!r}: side must be 'yes' or 'no', got {side!r}")
        try:
            price = exact(msg["price_dollars"])
            delta = exact(msg["delta_fp"])
        except (KeyError, BookError) as exc:
            self.invalidate()
            raise BookError(f"bad orderbook_delta {dict(msg)!r}: {exc}") from None
        if use_yes_price and side == "no":
            price = ONE - price
        have = levels.get(price)
        size = delta if have is None else have + delta
        if size <= 0:
            if size < 0:
                self.invalidate()
                raise BookError(f"{self.ticker}: size at {side} {price} would be {size}")
            levels.pop(price, None)
        else:
            levels[price] = size
        clock = msg.get("clock")
        if type(clock) is int:
            self.clock = clock
        elif clock is not None:
            parsed = _clock(msg)
            if parsed is not None:
                self.clock = parsed
        self.deltas += 1
        self._confirmed = now

    def invalidate(self) -> None:
        # The time it was last known current stays what it was: stamps no longer move it.
        self._confirmed = self.confirmed
        self.valid = False

    def levels(self, side: str) -> list[tuple[Decimal, Decimal]]:
        """``[(price, size)]`` of one side, lowest price first, as the REST book lists them."""
        return sorted(self.side(side).items())

    def best_bid(self) -> Decimal | None:
        """Best YES bid (None if no YES bids)."""
        return max(self.yes) if self.yes else None

    def best_ask(self) -> Decimal | None:
        """Best YES ask, implied by the best NO bid (1 - best NO bid)."""
        return ONE - max(self.no) if self.no else None

    def as_rest(self) -> dict[str, Any]:
        """The book as ``GET /markets/{ticker}/orderbook`` answers it (``orderbook_fp`` with strings).

        Example:
            >>> b = Book("T"); b.apply_snapshot({"no_dollars_fp": [["0.5900", "5.00"]]})
            >>> b.as_rest()
            {'orderbook_fp': {'yes_dollars': [], 'no_dollars': [['0.5900', '5.00']]}}
        """
        return {
            "orderbook_fp": {
                f"{side}_dollars": [[_fmt(p, 4), _fmt(s, 2)] for p, s in self.levels(side)] for side in SIDES
            }
        }


def rest_levels(payload: Mapping[str, Any]) -> dict[str, dict[Decimal, Decimal]]:
    """A REST orderbook answer as ``{"yes": {price: size}, "no": {...}}``, for comparing with a :class:`Book`.

    Example:
        >>> rest_levels({"orderbook_fp": {"yes_dollars": [["0.40", "10.00"]]}})
        {'yes': {Decimal('0.40'): Decimal('10.00')}, 'no': {}}
    """
    book = payload.get("orderbook_fp") or payload
    out: dict[str, dict[Decimal, Decimal]] = {}
    for side in SIDES:
        rows = book.get(f"{side}_dollars") or ()
        out[side] = {p: s for p, s in (_level(r) for r in rows) if s}
    return out


@dataclass
class SeqTracker:
    """The last ``seq`` seen per sid: classifies each message as in order, a duplicate, or after a gap.

    Example:
        >>> t = SeqTracker()
        >>> [t.check(1, s) for s in (1, 2, 2, 4, 5)]
        ['ok', 'ok', 'duplicate', 'gap', 'ok']
    """

    last: dict[int, int] = field(default_factory=dict)
    gaps: int = 0
    duplicates: int = 0

    def check(self, sid: int, seq: int) -> str:
        """``ok`` (next, or the first seen), ``duplicate`` (seq <= last: ignore it) or ``gap`` (seq skipped).

        After a gap the new seq is taken as the last one, so the stream continues from there; the caller
        marks the subscription's state stale until a snapshot repairs it.
        """
        prev = self.last.get(sid)
        if prev is not None and seq <= prev:
            self.duplicates += 1
            return "duplicate"
        self.last[sid] = seq
        if prev is not None and seq != prev + 1:
            self.gaps += 1
            return "gap"
        return "ok"

    def forget(self, sids: Iterable[int] | None = None) -> None:
        """Drop sids (all when None): after a reconnect the server numbers subscriptions afresh."""
        if sids is None:
            self.last.clear()
        else:
            for sid in sids:
                self.last.pop(sid, None)


def _level(row: Any) -> tuple[Decimal, Decimal]:
    try:
        price, size = row[0], row[1]
    except (TypeError, IndexError, KeyError):
        raise BookError(f"a level must be [price, size], got {row!r}") from None
    return exact(price), exact(size)


def _clock(msg: Mapping[str, Any]) -> int | None:
    clock = msg.get("clock")
    return int(clock) if isinstance(clock, int | str) and str(clock).lstrip("-").isdigit() else None


def _fmt(value: Decimal, places: int) -> str:
    # Kalshi writes prices with 4 decimals and counts with 2; keep more only if the value needs them.
    quantum = Decimal(1).scaleb(-places)
    return str(value.quantize(quantum)) if value == value.quantize(quantum) else str(value)
