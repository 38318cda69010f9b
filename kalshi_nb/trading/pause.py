"""The weekly trading pause as an order guard: no create or amend is sent during Thursday 03:00-05:00 ET,
and the exchange's own refusal becomes a ``TradingPausedAPIError`` that says when trading resumes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from decimal import Decimal

from ..errors import KalshiAPIError, TradingPausedAPIError, TradingPausedError
from ..pauses import describe_pause, trading_pause_at
from ..writer import OrderWriter


def is_pause_refusal(err: KalshiAPIError) -> bool:
    """Whether the exchange refused a request because trading is paused (its error code says so).

    The code is not documented; the sandbox answers ``trading_paused`` (UNCONFIRMED live), so any code
    naming a pause counts.
    """
    return bool(err.code) and "paus" in str(err.code).lower()


def paused_error(err: KalshiAPIError, now: datetime | None = None) -> TradingPausedAPIError:
    """``err`` as a ``TradingPausedAPIError`` whose message says when trading resumes (ET and UTC)."""
    window = trading_pause_at(now or datetime.now(timezone.utc))
    when = (
        describe_pause(window)
        if window
        else "Kalshi's weekly pause runs Thursday 03:00-05:00 ET; trading resumes at 05:00 ET"
    )
    said = f" (the exchange says: {err.message})" if err.message else ""
    return TradingPausedAPIError(
        status=err.status,
        code=err.code,
        message=f"trading is paused{said}; {when}. Cancels still work; nothing was placed or amended",
        details=err.details,
        method=err.method,
        path=err.path,
        body=err.body,
        response=err.response,
        start=window[0] if window else None,
        resumes_at=window[1] if window else None,
    )


class PauseGuard(OrderWriter):
    """``check_order`` with the weekly-pause guard first; the rest of the guards are ``OrderWriter``'s."""

    pause_clock: Callable[[], datetime] | None = None
    """The clock the weekly-pause guard reads (aware datetimes). None: the wall clock on production and
    demo, and no guard on a sandbox, which follows its own clock and refuses for itself."""

    def trading_pause(self) -> tuple[datetime, datetime] | None:
        """The pause window (UTC) this client is in now, or None when trading is open (see ``pause_clock``).

        Example:
            >>> client.trading_pause() is None          # a sandbox answers for itself
            True
        """
        if self.pause_clock is not None:
            return trading_pause_at(self.pause_clock())
        if self.env == "sandbox":
            return None
        return trading_pause_at(datetime.now(timezone.utc))

    def check_trading_open(self, what: str = "order") -> None:
        """Raise ``TradingPausedError`` (nothing sent) during the weekly pause; cancels never call this."""
        window = self.trading_pause()
        if window is not None:
            raise TradingPausedError(
                f"refusing this {what}: trading is paused (Kalshi's weekly pause, Thursday 03:00-05:00 ET); "
                f"{describe_pause(window)}. Cancels still work; nothing was sent",
                start=window[0],
                resumes_at=window[1],
            )

    def check_order(
        self, body: dict, market: dict, *, taker_coefficient: Decimal | None = None, spend_cap: object = None
    ) -> Decimal:
        """The writer's guards (``OrderWriter.check_order``), after the weekly-pause guard.

        Every create and amend runs through here (``submit_order``, ``place_orders``, ``amend_order``), so
        none is sent during the pause.
        """
        self.check_trading_open()
        return super().check_order(body, market, taker_coefficient=taker_coefficient, spend_cap=spend_cap)
