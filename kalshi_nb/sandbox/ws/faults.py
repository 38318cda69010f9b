"""Faults of the WebSocket feed, for testing clients: drop, skip a seq, duplicate, delay, overflow, refuse.

One-shot faults (``drop_after``, ``skip_seq``, ``duplicate``) fire once and clear themselves, so a test
can arm one and know exactly which frame it hit; the others stay until ``clear()``.

- ``drop_after=N``: after N more data frames are sent (all connections together), the connection that
  sent the Nth is dropped abruptly (no close frame).
- ``drop_every=N``: the same, over and over: every Nth data frame drops its connection (a flaky link for
  a long-running sandbox, ``--ws-fault drop_every=500``; stays until cleared).
- ``skip_seq=True``: the next ``seq`` handed out skips one number (a gap the client must notice).
- ``duplicate=True``: the next frame that carries a ``seq`` is sent twice.
- ``delay=seconds``: every frame waits this long before it is sent (a slow link; frames pile up).
- ``buffer_limit=N``: a connection with N frames waiting ends the subscription that adds one more with
  error 25 (subscription buffer overflow; terminal: the client must resubscribe).
- ``refuse_upgrade=True``: every upgrade is answered HTTP 503.

Example:
    >>> f = WsFaults().update(skip_seq=True)
    >>> f.seq_step(), f.seq_step()
    (2, 1)
"""

from __future__ import annotations

import threading
from typing import Any

_NAMES = (
    "drop_after", "drop_every", "skip_seq", "duplicate", "delay", "buffer_limit", "refuse_upgrade",
)  # fmt: skip


class WsFaults:
    """The fault settings of one WebSocket server (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.drop_after: int | None = None
        self.drop_every: int | None = None
        self._since_drop = 0  # data frames since the last drop_every drop
        self.skip_seq = False
        self.duplicate = False
        self.delay = 0.0
        self.buffer_limit: int | None = None
        self.refuse_upgrade = False

    def update(self, **settings: Any) -> WsFaults:
        """Set some faults (names above); unknown names or bad values raise ``ValueError``.

        Example:
            >>> WsFaults().update(delay=0.1, buffer_limit=5).delay
            0.1
        """
        unknown = set(settings) - set(_NAMES)
        if unknown:
            raise ValueError(f"unknown WebSocket fault(s) {sorted(unknown)}; known: {', '.join(_NAMES)}")
        with self._lock:
            for name, value in settings.items():
                if name in ("drop_after", "buffer_limit", "drop_every"):
                    low = 1 if name == "drop_every" else 0
                    if value is not None and (
                        isinstance(value, bool) or not isinstance(value, int) or value < low
                    ):
                        raise ValueError(f"{name} must be a count >= {low} or None, got {value!r}")
                    if name == "drop_every":
                        self._since_drop = 0
                elif name == "delay":
                    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 60:
                        raise ValueError(f"delay must be seconds between 0 and 60, got {value!r}")
                    value = float(value)
                elif not isinstance(value, bool):
                    raise ValueError(f"{name} must be true or false, got {value!r}")
                setattr(self, name, value)
        return self

    def clear(self) -> None:
        """Every fault off."""
        with self._lock:
            self.drop_after, self.drop_every, self.buffer_limit, self.delay = None, None, None, 0.0
            self._since_drop = 0
            self.skip_seq = self.duplicate = self.refuse_upgrade = False

    def as_dict(self) -> dict[str, Any]:
        """The current settings (what ``GET`` of a control route would show)."""
        return {name: getattr(self, name) for name in _NAMES}

    def seq_step(self) -> int:
        """How far the next ``seq`` moves: 2 once after ``skip_seq``, else 1."""
        if not self.skip_seq:
            return 1
        with self._lock:
            if self.skip_seq:
                self.skip_seq = False
                return 2
        return 1

    def take_duplicate(self) -> bool:
        """True once after ``duplicate``: send this frame twice."""
        if not self.duplicate:
            return False
        with self._lock:
            hit, self.duplicate = self.duplicate, False
        return hit

    def take_drop(self) -> bool:
        """Count one data frame sent; True when ``drop_after`` reaches it (then that fault clears) or it is
        the ``drop_every``-th since the last such drop.

        Example:
            >>> f = WsFaults().update(drop_every=2)
            >>> [f.take_drop() for _ in range(5)]
            [False, True, False, True, False]
        """
        if self.drop_after is None and self.drop_every is None:
            return False
        with self._lock:
            drop = False
            if self.drop_every is not None:
                self._since_drop += 1
                if self._since_drop >= self.drop_every:
                    self._since_drop, drop = 0, True
            if self.drop_after is not None:
                if self.drop_after <= 1:
                    self.drop_after, drop = None, True
                else:
                    self.drop_after -= 1
        return drop

    def __repr__(self) -> str:
        on = {k: v for k, v in self.as_dict().items() if v not in (None, False, 0.0)}
        return f"<WsFaults {on or 'off'}>"


def parse_setting(text: str) -> tuple[str, Any]:
    """One ``NAME=VALUE`` of the CLI's ``--ws-fault``: the value read as true/false/none, an int or a float.

    The name and value are checked by ``WsFaults.update``, not here.

    Example:
        >>> parse_setting("drop_every=500"), parse_setting("skip_seq=true"), parse_setting("delay=0.5")
        (('drop_every', 500), ('skip_seq', True), ('delay', 0.5))
    """
    name, sep, raw = text.partition("=")
    name, raw = name.strip(), raw.strip()
    if not sep or not name:
        raise ValueError(f"a WebSocket fault is NAME=VALUE (e.g. drop_every=500), got {text!r}")
    words = {"true": True, "false": False, "none": None, "null": None}
    if raw.lower() in words:
        return name, words[raw.lower()]
    for kind in (int, float):
        try:
            return name, kind(raw)
        except ValueError:
            pass
    raise ValueError(
        f"the value of WebSocket fault {name} must be a number, true, false or none, got {raw!r}"
    )
