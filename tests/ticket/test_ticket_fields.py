"""Reading the count and price fields (cents or dollars, the market's grid) and errors as one sentence."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
import requests

from kalshi_nb import errors
from kalshi_nb.ticket.fields import read_count, read_price
from kalshi_nb.ticket.messages import sentence

CENT_MARKET = {"ticker": "T", "price_level_structure": "linear_cent"}
SUBPENNY = {
    "ticker": "S",
    "price_ranges": [
        {"start": "0.0000", "end": "0.1000", "step": "0.0010"},
        {"start": "0.1000", "end": "0.9000", "step": "0.0100"},
        {"start": "0.9000", "end": "1.0000", "step": "0.0010"},
    ],
}


@pytest.mark.parametrize(
    ("typed", "dollars", "reading"),
    [
        ("45", "0.45", "= 45¢ = $0.45"),
        ("45c", "0.45", "= 45¢ = $0.45"),
        ("45¢", "0.45", "= 45¢ = $0.45"),
        (" 45 ¢ ", "0.45", "= 45¢ = $0.45"),
        ("45cents", "0.45", "= 45¢ = $0.45"),
        ("0.45", "0.45", "= 45¢ = $0.45"),
        (".45", "0.45", "= 45¢ = $0.45"),
        ("$0.45", "0.45", "= 45¢ = $0.45"),
        ("$.5", "0.50", "= 50¢ = $0.50"),
        ("1", "0.01", "= 1¢ = $0.01"),
        ("99", "0.99", "= 99¢ = $0.99"),
        ("4.5c", "0.045", "= 4.5¢ = $0.0450"),
        ("0.055", "0.055", "= 5.5¢ = $0.0550"),
    ],
)
def test_prices_read_as_cents_or_dollars(typed: str, dollars: str, reading: str) -> None:
    got = read_price(typed)
    assert got.error == ""
    assert got.dollars == D(dollars)
    assert got.reading == reading


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("$45c", "not both"),
        ("0,45", "Use a dot"),
        ("$45", "type 45¢ or $0.45"),
        ("100", "below $1"),
        ("1.00$", "below $1"),
        ("0", "above zero"),
        ("abc", "A price is a number"),
        ("-5", "A price is a number"),
        ("0.00001", "round the price"),
        ("", "Type a limit price"),
    ],
)
def test_bad_prices_are_refused_with_one_sentence(typed: str, words: str) -> None:
    got = read_price(typed)
    assert got.dollars is None
    assert words in got.error
    assert got.error.count(".") >= 1
    assert got.error[0].isupper()
    assert "Error" not in got.error


def test_the_grid_decides_what_sub_cent_prices_are_allowed() -> None:
    assert read_price("4.5c", "yes", CENT_MARKET).error == (
        "4.5¢ is not on this market's grid: prices here move in steps of 1¢: try 4¢ or 5¢."
    )
    assert read_price("4.5c", "yes", SUBPENNY).dollars == D("0.045")
    # NO at 95.5¢ is YES at 4.5¢: on the fine tail of the grid
    assert read_price("95.5", "no", SUBPENNY).dollars == D("0.955")
    # NO at 45.5¢ is YES 54.5¢: the middle band moves in whole cents
    refused = read_price("45.5", "no", SUBPENNY)
    assert "54.5¢ YES" in refused.error
    assert "steps of 1¢" in refused.error


@pytest.mark.parametrize(
    ("typed", "count", "words"),
    [
        ("3", D(3), ""),
        ("1,000", D(1000), ""),
        ("2.5", D("2.5"), ""),
        ("2.55", D("2.55"), ""),
        ("2.555", None, "steps of 0.01"),
        ("0", None, "more than zero"),
        ("-1", None, "more than zero"),
        ("lots", None, "must be a number"),
        ("nan", None, "must be a number"),
        ("", None, "how many contracts"),
        ("2000000", None, "At most 1,000,000"),
    ],
)
def test_counts(typed: str, count: D | None, words: str) -> None:
    got = read_count(typed)
    assert got.count == count
    assert words in got.error
    if count is not None:
        assert str(got.count) == str(count)  # never 1E+1


def _api(cls: type[errors.KalshiAPIError], status: int, message: str, code: str | None = None) -> Exception:
    return cls(
        status=status, code=code, message=message, method="GET", path="/trade-api/v2/markets/X", hint="h"
    )


@pytest.mark.parametrize(
    ("exc", "words"),
    [
        (_api(errors.NotFoundError, 404, "market not found"), "Nothing was found"),
        (_api(errors.ServerError, 500, "boom"), "try again in a moment"),
        (_api(errors.RateLimitError, 429, "too many requests"), "wait a few seconds"),
        (_api(errors.AuthenticationError, 401, "bad signature"), "check the key id"),
        (
            _api(errors.BadRequestError, 400, "insufficient balance", "insufficient_balance"),
            "insufficient balance",
        ),
        (_api(errors.ConflictError, 409, "trading is paused", "trading_paused"), "trading is paused"),
        (errors.StalePreviewError("refusing: this preview is 301 s old"), "click Preview again"),
        (errors.LiveTradingDisabledError("refusing a real order on production"), "enable_live_trading"),
        (
            errors.SpendCapError("refusing: this order can cost up to $2.00; nothing was sent"),
            "cost up to $2.00",
        ),
        (errors.OrderStateUnknownError("x", client_order_id="c", ticker="T"), "may or may not exist"),
        (errors.SandboxNotRunningError("nothing listens"), "sandbox is not running"),
        (requests.Timeout("read timed out"), "did not answer in time"),
        (requests.ConnectionError("refused"), "Could not reach the exchange"),
        (ValueError("ValueError: contracts must be positive\nmore lines"), "Contracts must be positive."),
        (RuntimeError(""), "Something went wrong"),
    ],
)
def test_errors_read_as_one_plain_sentence(exc: Exception, words: str) -> None:
    text = sentence(exc, "reading the market")
    assert words in text
    assert "\n" not in text
    assert type(exc).__name__ not in text
    for noise in ("Error:", "Traceback", "[GET", "Hint:", "/trade-api/"):
        assert noise not in text
    assert text.endswith(".")
