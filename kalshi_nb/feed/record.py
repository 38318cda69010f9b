"""Recording a feed to hourly ``jsonl.gz`` files, and replaying a recording into the same books.

Each line is one JSON object: ``{"t": received_ms, "raw": "<the frame exactly as received>"}`` for a frame,
``{"t", "sent": {...}}`` for a command the feed sent, ``{"t", "event": "connected" | "disconnected"}`` for
connection changes, and a ``{"t", "meta": {"use_yes_price", "url"}}`` line opening every file (the
reference asks recordings to be tagged with ``use_yes_price``, since it changes what NO prices mean).
Files are named ``feed-YYYYMMDD-HH.jsonl.gz`` by the UTC hour of receipt; reopening appends a new gzip member.

Example:
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> rec = Recorder(folder, use_yes_price=False, url="ws://127.0.0.1/trade-api/ws/v2")
    >>> rec.sent({"id": 1, "cmd": "subscribe", "params": {"channels": ["orderbook_delta"],
    ...           "market_tickers": ["M"]}}, t_ms=0)
    >>> rec.frame('{"id": 1, "type": "subscribed", "msg": {"channel": "orderbook_delta", "sid": 1}}', t_ms=1)
    >>> rec.frame('{"type": "orderbook_snapshot", "sid": 1, "seq": 1, "msg": {"market_ticker": "M",'
    ...           ' "yes_dollars_fp": [["0.40", "3.00"]]}}', t_ms=2)
    >>> rec.close()
    >>> replay(folder).books["M"].levels("yes")
    [(Decimal('0.40'), Decimal('3.00'))]
"""

from __future__ import annotations

import gzip
import json
import os
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from .state import FeedState

if TYPE_CHECKING:
    import pandas as pd


class Recorder:
    """Appends raw frames, sent commands and connection events to hourly ``jsonl.gz`` files in ``folder``."""

    def __init__(self, folder: str | Path, *, use_yes_price: bool, url: str) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.meta = {"use_yes_price": use_yes_price, "url": url}
        self._lock = threading.Lock()
        self._hour: str | None = None
        self._file: IO[str] | None = None

    def _write(self, record: dict[str, Any]) -> None:
        hour = datetime.fromtimestamp(record["t"] / 1000, tz=timezone.utc).strftime("%Y%m%d-%H")
        with self._lock:
            if hour != self._hour or self._file is None:
                if self._file is not None:
                    self._file.close()
                # Kept open across writes (one gzip member per file and session); closed in close().
                self._file = gzip.open(self.folder / f"feed-{hour}.jsonl.gz", "at", encoding="utf-8")  # noqa: SIM115
                self._hour = hour
                self._file.write(json.dumps({"t": record["t"], "meta": self.meta}) + "\n")
            self._file.write(json.dumps(record) + "\n")

    def frame(self, raw: str | bytes, *, t_ms: int) -> None:
        """One frame exactly as received (bytes are decoded as UTF-8)."""
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
        self._write({"t": t_ms, "raw": text})

    def sent(self, command: dict[str, Any], *, t_ms: int) -> None:
        self._write({"t": t_ms, "sent": command})

    def event(self, name: str, *, t_ms: int) -> None:
        self._write({"t": t_ms, "event": name})

    def close(self) -> None:
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None
                self._hour = None


class Replay:
    """A recording played back: ``books`` (``Book`` by ticker), ``state``, ``trades_df()``, ``ticker_df()``."""

    def __init__(self, state: FeedState, frames: int) -> None:
        self.state = state
        self.books = state.books
        self.frames = frames

    def trades_df(self) -> pd.DataFrame:
        from .shaping import trades_frame_from  # pandas only when a frame is asked for

        return trades_frame_from(self.state.trades)

    def ticker_df(self) -> pd.DataFrame:
        from .shaping import ticker_frame  # pandas only when a frame is asked for

        return ticker_frame(self.state.tickers.values())


def recording_files(path: str | os.PathLike[str]) -> list[Path]:
    """The files of a recording (a folder of hourly ``feed-*.jsonl.gz`` files, or one file), oldest first."""
    path = Path(path)
    return sorted(path.glob("feed-*.jsonl.gz")) if path.is_dir() else [path]


def records(path: str | Path) -> list[dict[str, Any]]:
    """Every line of a recording (a folder of ``feed-*.jsonl.gz`` files, or one file), oldest file first."""
    out: list[dict[str, Any]] = []
    for file in recording_files(path):
        with gzip.open(file, "rt", encoding="utf-8") as fh:
            out.extend(json.loads(line) for line in fh if line.strip())
    return out


def replay(path: str | Path) -> Replay:
    """Rebuild the feed's state from a recording by the same rules the live feed applies."""
    state: FeedState | None = None
    requests: dict[int, tuple[str, list[str]]] = {}
    frames = 0
    for rec in records(path):
        if "meta" in rec:
            if state is None:
                state = FeedState(use_yes_price=bool(rec["meta"].get("use_yes_price")))
            continue
        if state is None:
            state = FeedState()
        if step(state, rec, requests) is not None:
            frames += 1
    return Replay(state or FeedState(), frames)


def step(state: FeedState, rec: dict[str, Any], requests: dict[int, tuple[str, list[str]]]) -> Any:
    """Apply one recorded line (a sent command, a connection event or a received frame) to ``state``.

    Returns the decoded frame when the line was one, else None. ``requests`` maps command ids to what they
    subscribed, so a later ``subscribed`` answer knows its markets (the one walk replay and the store share).
    """
    if "sent" in rec:
        cmd = rec["sent"]
        if cmd.get("cmd") == "subscribe":
            params = cmd.get("params") or {}
            requests[int(cmd["id"])] = (params["channels"][0], list(params.get("market_tickers", ())))
    elif rec.get("event") == "disconnected":
        state.disconnected()
        requests.clear()
    elif "raw" in rec:
        frame = json.loads(rec["raw"])
        apply_frame(state, frame, requests, rec["t"] / 1000)
        return frame
    return None


def apply_frame(
    state: FeedState, frame: Any, requests: dict[int, tuple[str, list[str]]], now: float
) -> list[tuple[str, int, list[str]]]:
    """Apply one decoded frame, responses included (the one rule the live feed and replay share).

    Returns the snapshot repairs a data frame calls for; a terminal error's subscription is dropped (its
    books invalid) and reported as ``("resubscribe", sid, [channel])``, or ``("reconnect", 0, [])`` when the
    error names no known sid.
    """
    if not isinstance(frame, dict):
        return []
    kind, cid, msg = frame.get("type"), frame.get("id"), frame.get("msg")
    if kind not in ("subscribed", "unsubscribed", "ok", "error", "list_subscriptions"):
        return state.apply(frame, now=now)
    sid, seq = frame.get("sid"), frame.get("seq")
    if isinstance(sid, int) and isinstance(seq, int):
        state.seqs.check(sid, seq)  # an ok/unsubscribed may take a place in the sid's sequence
    if kind == "subscribed" and isinstance(msg, dict) and "sid" in msg:
        channel, tickers = (
            requests.get(cid, (str(msg.get("channel")), [])) if isinstance(cid, int) else ("", [])
        )
        state.subscribed(int(msg["sid"]), str(msg.get("channel") or channel), tickers)
    if kind == "error":
        state.errors.append(frame)
        code = msg.get("code") if isinstance(msg, dict) else None
        if code in (10, 25):  # terminal: the subscription is gone
            dead = sid if isinstance(sid, int) else (msg.get("sid") if isinstance(msg, dict) else None)
            if not isinstance(dead, int) or dead not in state.channels:
                return [("reconnect", 0, [])]
            channel = state.channels.pop(dead)
            for t in state.markets.pop(dead, []):
                if channel == "orderbook_delta" and t in state.books:
                    state.books[t].invalidate()
            return [("resubscribe", dead, [channel])]
    return []
