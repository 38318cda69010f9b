"""A display's background tick: a daemon loop that calls ``owner.tick()`` every few seconds.

It holds only a weak reference, so a widget the user forgot can still be collected (its thread then ends),
and an exception in one refresh is logged, never fatal: a clock on screen must not stop because one
redraw failed. The order ticket and the live view share it.

Example:
    >>> import threading, weakref
    >>> class Clock:
    ...     ticks = 0
    ...     def tick(self):
    ...         self.ticks += 1
    ...         if self.ticks == 3:
    ...             stop.set()
    >>> clock, stop = Clock(), threading.Event()
    >>> run_ticks(weakref.ref(clock), stop, 0.001, "clock")
    >>> clock.ticks
    3
"""

from __future__ import annotations

import logging
import threading
import weakref
from typing import Any

log = logging.getLogger("kalshi_nb.ticks")


def run_ticks(ref: weakref.ref[Any], stop: threading.Event, interval: float, what: str) -> None:
    """Call ``ref().tick()`` every ``interval`` seconds until ``stop`` is set or the owner is collected."""
    while not stop.wait(interval):
        owner = ref()
        if owner is None:
            return
        try:
            owner.tick()
        except Exception:  # a display refresh must never kill the thread
            log.debug("%s: tick failed", what, exc_info=True)
        del owner
