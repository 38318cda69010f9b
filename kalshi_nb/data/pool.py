"""Running several calls of one pull at once, and its progress bar.

The garbage collector is left alone: pausing it (as this module once did during big pulls) is a
process-wide switch that also changes the caller's other threads.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from typing import Any

MAX_WORKERS = 8
"""Calls run at once by one ``*_df`` call. They share one token bucket: this bounds threads, not rate."""
AUTO_PROGRESS_PAGES = 3
"""With ``progress=None`` the bar appears once a pull has fetched more than this many pages."""


class _Cancelled(Exception):
    """Raised inside a worker whose pull was stopped because another call failed."""


class _Progress:
    """A ``tqdm.auto`` bar counting rows (the total is unknown), shared by concurrent calls.

    ``setting`` is ``progress=`` as checked by ``args._progress``.
    """

    def __init__(self, setting: bool | None, label: str) -> None:
        self.setting = setting
        self.label = label
        self.pages = 0
        self.rows = 0
        self._bar: Any = None
        self._lock = threading.Lock()

    def page(self, rows: int) -> None:
        with self._lock:
            self.pages += 1
            self.rows += rows
            if self.setting is False:
                return
            if self._bar is None:
                if self.setting is None and self.pages <= AUTO_PROGRESS_PAGES:
                    return
                from tqdm.auto import tqdm

                self._bar = tqdm(desc=self.label, unit=" rows", initial=self.rows, leave=True)
            else:
                self._bar.update(rows)
            self._bar.set_postfix_str(f"{self.pages} pages", refresh=False)

    def close(self) -> None:
        with self._lock:
            if self._bar is not None:
                self._bar.close()

    def __enter__(self) -> _Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _run(jobs: list[Callable[[], list[dict]]], stop: threading.Event) -> list[list[dict]]:
    """Run the jobs in a small pool; on the first failure stop the others and raise that failure."""
    if len(jobs) <= 1:
        return [job() for job in jobs]
    pool = ThreadPoolExecutor(max_workers=min(MAX_WORKERS, len(jobs)), thread_name_prefix="kalshi_nb-data")
    futures: list[Future[list[dict]]] = []
    try:
        futures = [pool.submit(job) for job in jobs]
        wait(futures, return_when=FIRST_EXCEPTION)
        if any(f.done() and not f.cancelled() and f.exception() is not None for f in futures):
            stop.set()
            for f in futures:
                f.cancel()
            wait(futures)
            errors = [f.exception() for f in futures if not f.cancelled() and f.exception() is not None]
            raise next((e for e in errors if not isinstance(e, _Cancelled)), errors[0])  # type: ignore[misc]
        return [f.result() for f in futures]
    finally:
        stop.set()  # also on KeyboardInterrupt: running calls end after their current page
        pool.shutdown(wait=True, cancel_futures=True)
