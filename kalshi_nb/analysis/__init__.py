"""Analysis: pure maths over the frames (no network): the calibration of prices (``calibration``).

Example:
    >>> from kalshi_nb.analysis import brier_score
    >>> brier_score([0.5, 0.5], [1, 0])
    0.25
"""

from __future__ import annotations

from .calibration import (
    brier_decomposition,
    brier_score,
    calibration_summary,
    prices_before_close,
    reliability_table,
    wilson_interval,
)

__all__ = [
    "brier_decomposition",
    "brier_score",
    "calibration_summary",
    "prices_before_close",
    "reliability_table",
    "wilson_interval",
]
