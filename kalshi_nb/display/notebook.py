"""The notebook hook: inside a running IPython kernel, kalshi_nb's frames show through the compact view.

``install_frame_formatter()`` registers one HTML printer for pandas' ``DataFrame`` *by name*, so
neither pandas nor IPython is imported here (``import kalshi_nb`` stays light); outside a kernel it does
nothing. The printer renders tagged frames compactly and every other frame exactly as pandas does.

Example:
    >>> in_kernel()   # a doctest runs in no kernel
    False
    >>> install_frame_formatter()
    False
"""

from __future__ import annotations

import sys
from typing import Any

from .settings import settings
from .timefmt import set_display_timezone

_FRAME_MODULES = ("pandas.core.frame", "pandas")


def _shell() -> Any:
    ipython = sys.modules.get("IPython")  # only a process that already runs IPython has it imported
    if ipython is None:
        return None
    try:
        return ipython.get_ipython()
    except Exception:  # noqa: BLE001  (an IPython half torn down at exit has no shell)
        return None


def in_kernel() -> bool:
    """True inside a running Jupyter kernel (not a plain terminal IPython, not a script)."""
    shell = _shell()
    return shell is not None and getattr(shell, "kernel", None) is not None


def _frame_html(df: Any) -> str | None:
    from .frames import frame_html  # pandas is loaded already: a DataFrame is being shown

    return frame_html(df)


def install_frame_formatter() -> bool:
    """Register the frame printer with the running kernel's HTML formatter; True if registered (idempotent)."""
    if not in_kernel():
        return False
    formatter = _shell().display_formatter.formatters["text/html"]
    # IPython matches ``type.__module__``: "pandas.core.frame" on pandas 2, "pandas" on pandas 3.
    for module in _FRAME_MODULES:
        formatter.for_type_by_name(module, "DataFrame", _frame_html)
    return True


def show_html(html: str, text: str) -> bool:
    """Display ``html`` (with ``text`` for plain-text front ends) as an output of the current cell, inside a
    kernel; False (nothing shown) anywhere else."""
    if not in_kernel():
        return False
    from IPython.display import display  # IPython is running: importing its display module is free

    display({"text/html": html, "text/plain": text}, raw=True)
    return True


def set_display(*, compact: bool | None = None, timezone: str | None = None) -> None:
    """Choose how kalshi_nb's frames show in a notebook: ``compact=False`` shows them exactly as pandas does;
    ``timezone`` (an IANA name, e.g. ``"UTC"``) is the zone times are shown in (the data stay UTC).

    Example:
        >>> set_display(compact=False); settings.compact
        False
        >>> set_display(compact=True)
    """
    if compact is not None:
        settings.compact = bool(compact)
        if compact:  # a kernel that imported kalshi_nb before IPython was up gets the printer now
            install_frame_formatter()
    if timezone is not None:
        set_display_timezone(timezone)


def compact(df: Any) -> Any:
    """Show ``df`` compactly (reader's columns, units in headers, readable times) whatever ``set_display`` says.

    Example:
        >>> import pandas as pd
        >>> "7¢" in compact(pd.DataFrame({"price_dollars": [0.07]}))._repr_html_()
        True
    """
    from .frames import FrameView  # pandas is loaded already: the caller holds a DataFrame

    return FrameView(df, compact=True)


def full(df: Any) -> Any:
    """Show ``df`` exactly as pandas does, every column, whatever ``set_display`` says.

    Example:
        >>> import pandas as pd
        >>> "kalshi-frame" in full(pd.DataFrame({"a": [1]}))._repr_html_()
        False
    """
    from .frames import FrameView

    return FrameView(df, compact=False)
