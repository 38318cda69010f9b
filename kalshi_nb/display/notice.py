"""A calm one-line information block for a notebook (what ``connect()`` shows instead of a stderr warning).

Example:
    >>> "kalshi-notice-sandbox" in notice_html("sandbox", "local sandbox exchange (fake money)")
    True
"""

from __future__ import annotations

import html

from .market import NO_MATH

# (accent, background): information, not alarm; production keeps its red.
_STYLES = {
    "sandbox": ("#1565c0", "#f1f6fc"),
    "demo": ("#1565c0", "#f1f6fc"),
    "prod": ("#c62828", "#fdecea"),
}


def notice_html(env: str, text: str, *, detail: str = "") -> str:
    """One line: ``text`` in the environment's colour, then ``detail`` in grey (root ``kalshi-notice``)."""
    accent, background = _STYLES.get(env, _STYLES["prod"])
    more = f' <span style="color:#666">{html.escape(detail)}</span>' if detail else ""
    return (
        f'<div class="kalshi-notice kalshi-notice-{html.escape(env)} {NO_MATH}" style="font-family:sans-serif;'
        f"font-size:12px;padding:3px 10px;border-left:3px solid {accent};background:{background};"
        f'color:#333">{html.escape(text)}{more}</div>'
    )
