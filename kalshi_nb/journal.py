"""The order journal: every create-order intent, written down before it is sent, surviving the kernel.

Kalshi refuses a repeated ``client_order_id`` only while the first order rests, so an id is no protection
once an order has executed, and a kernel restart forgets what was sent. The journal is a small SQLite file
per environment in the user's data folder (``config.data_dir()/journal/<env>.sqlite3``). Before a create
is sent, its intent (API base, a short hash of the key id, the ``client_order_id``, the exact body, the
time) is claimed in one transaction; a second claim of the same id, from this thread, another thread, a
re-run cell, a restarted kernel or another process, sees the first and never sends again. No key material
is written: the key id only as the first 12 hex digits of its SHA-256.

States: ``sending`` (claimed, the request may be in flight), ``placed`` (the exchange has it: ``order_id``
known), ``unknown`` (an ambiguous failure and the order was not found: never sent again), ``not_sent`` (the
request provably did not create an order: the id may be used again).

Example:
    >>> import tempfile, pathlib
    >>> j = OrderJournal(pathlib.Path(tempfile.mkdtemp()) / "sandbox.sqlite3")
    >>> claim = j.claim("http://127.0.0.1:1/trade-api/v2", "k" * 12, {"client_order_id": "c1", "ticker": "T"})
    >>> claim.state
    'new'
    >>> j.claim("http://127.0.0.1:1/trade-api/v2", "k" * 12, {"client_order_id": "c1", "ticker": "T"}).state
    'sending'
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import config
from .errors import DuplicateClientOrderIdError

if TYPE_CHECKING:
    import pandas as pd

_SCHEMA = """
create table if not exists orders (
    api_base text not null,
    key_hash text not null,
    client_order_id text not null,
    ticker text not null,
    body text not null,
    state text not null,
    order_id text,
    status text,
    detail text,
    created_ts real not null,
    updated_ts real not null,
    primary key (api_base, key_hash, client_order_id)
)
"""
ENVS = ("prod", "demo", "sandbox")
COLUMNS = (
    "api_base",
    "key_hash",
    "client_order_id",
    "ticker",
    "body",
    "state",
    "order_id",
    "status",
    "detail",
    "created_ts",
    "updated_ts",
)


def key_hash(key_id: str | None) -> str:
    """The first 12 hex digits of the key id's SHA-256: enough to tell keys apart, useless to an attacker.

    Example:
        >>> len(key_hash("a952bcbe-ec3b-4b5b-b8f9-11dae589608c"))
        12
    """
    return hashlib.sha256((key_id or "").encode()).hexdigest()[:12]


def canonical(body: Mapping[str, Any]) -> str:
    """The body as the journal compares it: JSON with sorted keys."""
    return json.dumps(dict(body), sort_keys=True, separators=(",", ":"), default=str)


@dataclass(frozen=True)
class Claim:
    """The outcome of ``OrderJournal.claim``: ``new`` (send it), or the state of an earlier claim."""

    state: str
    entry: dict[str, Any]


class OrderJournal:
    """One journal file; safe to share between threads and processes."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._lock = threading.Lock()
        # Autocommit mode: every write below opens its own BEGIN IMMEDIATE, which takes SQLite's write lock
        # up front, so two processes claiming one id are serialised by the database itself.
        self._db = sqlite3.connect(self.path, timeout=30.0, isolation_level=None, check_same_thread=False)
        self._db.row_factory = sqlite3.Row
        self._db.execute("pragma journal_mode=wal")
        # NORMAL keeps a committed claim through a crash of the process (not of the OS); FULL would add an
        # fsync per order for power loss, several ms on common disks.
        self._db.execute("pragma synchronous=normal")
        self._db.execute(_SCHEMA)
        self._key_locks: dict[tuple[str, str, str], threading.Lock] = {}

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("begin immediate")
            try:
                yield self._db
            except BaseException:
                self._db.execute("rollback")
                raise
            self._db.execute("commit")

    def intent_lock(self, api_base: str, key: str, client_order_id: str) -> threading.Lock:
        """A lock per intent, so threads of one process take turns: the second waits for the first's result."""
        with self._lock:
            return self._key_locks.setdefault((api_base, key, client_order_id), threading.Lock())

    def claim(self, api_base: str, key: str, body: Mapping[str, Any]) -> Claim:
        """Claim ``body``'s client_order_id for sending, or return the earlier claim's state.

        Raises ``DuplicateClientOrderIdError`` when the id was already used for a different body.
        """
        coid, text, now = str(body["client_order_id"]), canonical(body), time.time()
        with self._write() as db:
            row = db.execute(
                "select * from orders where api_base=? and key_hash=? and client_order_id=?",
                (api_base, key, coid),
            ).fetchone()
            if row is None:
                db.execute(
                    "insert into orders values (?,?,?,?,?,?,?,?,?,?,?)",
                    (
                        api_base,
                        key,
                        coid,
                        str(body.get("ticker", "")),
                        text,
                        "sending",
                        None,
                        None,
                        None,
                        now,
                        now,
                    ),
                )
                return Claim("new", self._get(db, api_base, key, coid) or {})
            entry = dict(row)
            if entry["body"] != text:
                raise DuplicateClientOrderIdError(
                    f"client_order_id {coid} was already used at {time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime(entry['created_ts']))} "
                    f"UTC for a different order on {entry['ticker']} (journal state {entry['state']}); nothing was "
                    "sent. Use a new client_order_id (or none: one is generated)"
                )
            if entry["state"] == "not_sent":
                db.execute(
                    "update orders set state='sending', detail=null, updated_ts=? where api_base=? and "
                    "key_hash=? and client_order_id=?",
                    (now, api_base, key, coid),
                )
                return Claim("new", self._get(db, api_base, key, coid) or {})
            return Claim(entry["state"], entry)

    def record(
        self,
        api_base: str,
        key: str,
        client_order_id: str,
        state: str,
        *,
        order_id: str | None = None,
        status: str | None = None,
        detail: str | None = None,
    ) -> None:
        """Move an intent to ``placed``, ``unknown`` or ``not_sent``."""
        if state not in ("placed", "unknown", "not_sent", "sending"):
            raise ValueError(f"unknown journal state {state!r}")
        with self._write() as db:
            db.execute(
                "update orders set state=?, order_id=coalesce(?, order_id), status=coalesce(?, status), "
                "detail=?, updated_ts=? where api_base=? and key_hash=? and client_order_id=?",
                (state, order_id, status, detail, time.time(), api_base, key, client_order_id),
            )

    def get(self, api_base: str, key: str, client_order_id: str) -> dict[str, Any] | None:
        """The entry for one intent, or None."""
        with self._lock:
            return self._get(self._db, api_base, key, client_order_id)

    @staticmethod
    def _get(db: sqlite3.Connection, api_base: str, key: str, coid: str) -> dict[str, Any] | None:
        row = db.execute(
            "select * from orders where api_base=? and key_hash=? and client_order_id=?",
            (api_base, key, coid),
        ).fetchone()
        return dict(row) if row is not None else None

    def entries(self) -> list[dict[str, Any]]:
        """Every entry, oldest first."""
        with self._lock:
            return [dict(r) for r in self._db.execute("select * from orders order by created_ts")]

    def close(self) -> None:
        with self._lock:
            self._db.close()


_journals: dict[Path, OrderJournal] = {}
_journals_lock = threading.Lock()


def journal_path(env: str) -> Path:
    """The journal file of an environment (``prod``, ``demo`` or ``sandbox``)."""
    return config.data_dir() / "journal" / f"{env}.sqlite3"


def journal_for(env: str) -> OrderJournal:
    """The process's journal object for ``env`` (one connection per file, shared by every client)."""
    path = journal_path(env)
    with _journals_lock:
        journal = _journals.get(path)
        if journal is None:
            journal = _journals[path] = OrderJournal(path)
        return journal


def journal_df(env: str | None = None) -> pd.DataFrame:
    """The order journal as a DataFrame, newest first: one row per create-order intent.

    ``env`` None lists every environment's journal. Times are UTC; the body is the exact JSON sent.

    Example:
        >>> journal_df("sandbox").columns[:4].tolist()
        ['env', 'created', 'updated', 'state']
    """
    import pandas as pd

    if env is not None and env not in ENVS:
        raise ValueError(f"env must be one of {', '.join(ENVS)} or None, got {env!r}")
    rows = []
    for name in [env] if env else ENVS:
        if not journal_path(name).exists():
            continue
        rows += [{"env": name, **e} for e in journal_for(name).entries()]
    frame = pd.DataFrame(rows, columns=["env", *COLUMNS])
    frame["created"] = pd.to_datetime(frame.pop("created_ts"), unit="s", utc=True)
    frame["updated"] = pd.to_datetime(frame.pop("updated_ts"), unit="s", utc=True)
    order = [
        "env",
        "created",
        "updated",
        "state",
        "ticker",
        "client_order_id",
        "order_id",
        "status",
        "detail",
        "api_base",
        "key_hash",
        "body",
    ]
    return frame[order].sort_values("created", ascending=False, ignore_index=True)
