"""The consistency rules the browser tests apply to the visible ticket (``labkit.problems``), on made-up
snapshots: each rule fires on the contradiction it names and stays quiet on a coherent screen. No browser."""

from __future__ import annotations

from typing import Any

import pytest
from labkit import Seen, problems

RESTING_RECEIPT = "RESTING · sandbox · buy 3 YES @ $0.60 GTC on T\nfilled 0 of 3, 3 on the book"


def snapshot(**overrides: Any) -> Seen:
    """A coherent placed-order screen; ``overrides`` break it one way at a time."""
    raw: dict[str, Any] = {
        "count": 1,
        "classes": ["widget-vbox", "kalshi-ticket", "kalshi-phase-placed"],
        "status": "Placed: order o1 is resting (0 of 3 filled).",
        "receipts": [RESTING_RECEIPT],
        "receiptClasses": [["kalshi-receipt", "kalshi-receipt-resting"]],
        "orderRows": ["buy 3 YES @ 60¢ ($0.60) · 0 of 3 filled · this ticket"],
        "ordersPanel": "Open orders in T: 1 resting",
        "banner": "SANDBOX: local exchange, fake money",
        "placeDisabled": True,
        "dryRun": False,
        "confirm": None,
        "fieldErrors": [],
        "dryRunBoxes": [],
        "detailsOpen": [False],
        "cutOff": [],
        "overflowX": 0,
        "pageText": "",
    }
    raw.update(overrides)
    if "text" not in overrides:
        raw["text"] = "\n".join(
            [raw["banner"], "Place order", raw["status"], *raw["receipts"], *raw["orderRows"]]
        )
    return Seen(raw)


def test_a_coherent_screen_has_no_problems() -> None:
    assert problems(snapshot()) == []


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"count": 2}, "2 tickets on the page"),
        (
            {"classes": ["kalshi-ticket", "kalshi-phase-placed", "kalshi-phase-editing"]},
            "kalshi-phase-* classes",
        ),
        ({"status": "ValueError: bad price"}, "traceback-like"),
        ({"dryRunBoxes": ["DRY RUN: nothing was sent."]}, "dry-run box is shown together"),
        ({"text": "DRY RUN: nothing was sent.\n" + RESTING_RECEIPT}, "'DRY RUN' is shown together"),
        ({"text": "Dry run: nothing was sent. Untick Dry run to place it for real."}, "dry run is off"),
        ({"text": "live trading enabled\nLive trading is not enabled: run ..."}, "both enabled and NOT"),
        ({"status": "Placed: order o1 was canceled (0 of 3 filled)."}, "the status says 'canceled'"),
        ({"orderRows": []}, "orders panel lists no order"),
        ({"receiptClasses": [["kalshi-receipt", "kalshi-receipt-canceled"]]}, "does not say so"),
        ({"receipts": ["CANCELED · sandbox · buy 3 YES\nfilled 0 of 0"]}, "count the order's contracts"),
        ({"receipts": ["RESTING and CANCELED"]}, "several states"),
        ({"detailsOpen": [True]}, "details are open"),
        ({"cutOff": ["Time in fo"]}, "labels cut off"),
        ({"overflowX": 40}, "past the right edge"),
        ({"pageText": "key sk-secret"}, "a secret"),
    ],
)
def test_each_rule_fires_on_its_contradiction(overrides: dict, expected: str) -> None:
    found = problems(snapshot(**overrides), secrets=("sk-secret",))
    assert any(expected in problem for problem in found), found


def test_an_enabled_place_next_to_a_reason_it_cannot_place() -> None:
    seen = snapshot(
        classes=["kalshi-ticket", "kalshi-phase-previewed"],
        placeDisabled=False,
        receipts=[],
        receiptClasses=[],
        orderRows=[],
        status="The preview is older than 5:00 and the book has likely moved: click Preview again.",
    )
    assert any("Place is enabled next to" in p for p in problems(seen)), problems(seen)


def test_an_error_shown_twice() -> None:
    error = "A price is a number of cents (45¢) or of dollars ($0.45)."
    seen = snapshot(
        classes=["kalshi-ticket", "kalshi-phase-editing"],
        receipts=[],
        receiptClasses=[],
        orderRows=[],
        status=error,
        fieldErrors=[error],
        text=f"YES price\n{error}\n{error}",
    )
    assert any("shown 2 times" in p or "more than once" in p for p in problems(seen)), problems(seen)
