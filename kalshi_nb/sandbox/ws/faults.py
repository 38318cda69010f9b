"""Faults of the WebSocket feed, for testing clients: drop, skip a seq, duplicate, delay, overflow, refuse.

One-shot faults (``drop_after``, ``skip_seq``, ``duplicate``) fire once and clear themselves, so a test
can arm one and know exactly which frame it hit; the others stay until ``clear()``.

- ``drop_after=N``: after N more data frames are sent (all connections together), the connection that
  sent the Nth is dropped abruptly (no close frame).
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

_NAMES = ("drop_after", "skip_seq", "duplicate", "delay", "buffer_limit", "refuse_upgrade")


class WsFaults:
    """The fault settings of one WebSocket server (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.drop_after: int | None = None
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
                if name in ("drop_after", "buffer_limit"):
                    if value is not None and (
                        isinstance(value, bool) or not isinstance(value, int) or value < 0
                    ):
                        raise ValueError(f"{name} must be a count >= 0 or None, got {value!r}")
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
            self.drop_after, self.buffer_limit, self.delay = None, None, 0.0
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
        """Count one data frame sent; True when ``drop_after`` reaches it (then the fault clears)."""
        if self.drop_after is None:
            return False
        with self._lock:
            if self.drop_after is None:
                return False
            if self.drop_after <= 1:
                self.drop_after = None
                return True
            self.drop_after -= 1
        return False

    def __repr__(self) -> str:
        on = {k: v for k, v in self.as_dict().items() if v not in (None, False, 0.0)}
        return f"<WsFaults {on or 'off'}>"
