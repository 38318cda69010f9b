"""Fault injection for testing clients: latency, 5xx, 429, dropped connections, malformed bodies, stuck cursors.

Settings (all off by default), each set with ``Faults.update(**settings)``:

=================== ======================================================================================
``latency``         seconds added to every matching request (plus ``uniform(0, jitter)``), at most 600; with
                    phase ``"after"`` the request is processed first and the answer waits (a create that
                    succeeds but answers after the client's timeout)
``jitter``          extra random latency, seconds (at most 600)
``error_rate``      probability of a 5xx answer; the status is drawn from ``error_statuses`` (500, 502, 503)
``rate_limit_rate`` probability of a 429 ``{"error": "too many requests"}``
``drop_rate``       probability that the connection is closed with no response (the client sees a
                    ConnectionError)
``malformed_rate``  probability of a 200 whose JSON body is truncated
``stuck_cursor``    list endpoints answer the same non-empty cursor forever (bool)
``phase``           ``"before"``: the request is not processed; ``"after"``: it is processed and then the
                    answer is lost or replaced. "after" is how a client learns that a POST it saw fail may
                    have placed an order anyway.
``methods``         restrict faults to these HTTP methods (e.g. ``["POST", "DELETE"]``); None = all
``path``            restrict faults to paths matching this regex (``re.search`` on the full path)
``seed``            reseed the random generator (decisions are reproducible for a given request sequence)
=================== ======================================================================================

Each rate (and ``latency``, ``stuck_cursor``) may also be a mapping with its own scope, which overrides
the shared ``phase``/``methods``/``path`` for that kind only, e.g.
``update(error_rate={"rate": 1.0, "methods": ["POST"], "path": "/portfolio/events/orders$", "phase": "after"})``.
(For latency the mapping holds ``seconds`` and optionally ``jitter``.)

Every bad setting, wrong types included, raises ``ValueError`` (one ``except`` covers them; the
``/_sandbox/faults`` route turns it into a 400) and leaves the settings unchanged.

A scripted queue takes precedence over rates: ``script(["drop_after", "500_before", "ok"])`` applies one
entry to each of the next matching requests, in order. Entries are ``<kind>[_<phase>]`` with kind one of
``500``, ``502``, ``503``, ``429``, ``drop``, ``malformed``, or ``ok`` (no fault); the phase defaults to
``before``. ``delay[_before|_after]:<seconds>`` (e.g. ``"delay_after:5"``) only delays that request: before
processing, or after processing and before answering; its answer is the real one.

Every number is bounded (rates 0..1, seconds 0..600, seed 0..2**63-1); out of bounds is a ``ValueError``.

Recipes (a client's view of an ambiguous create; ``ORDERS = r"/portfolio/events/orders$"``):

- processed, answered only after 5 s: ``script(["delay_after:5"], methods=["POST"], path=ORDERS)``
- processed, connection dropped: ``script(["drop_after"], methods=["POST"], path=ORDERS)``
- processed, then a 500: ``script(["500_after"], ...)``; not processed, a 500: ``script(["500"], ...)``
- not processed, a 429: ``script(["429"], ...)``

Example:
    >>> f = Faults(seed=1)
    >>> f.update(error_rate=1.0, methods=["POST"], phase="after")
    >>> f.decide("POST", "/trade-api/v2/portfolio/events/orders").label in {"500_after", "502_after", "503_after"}
    True
"""

from __future__ import annotations

import math
import random
import re
import threading
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .limits import MAX_LATENCY_SECONDS, MAX_SEED, bounded_float, bounded_int

PHASES = ("before", "after")
ERROR_STATUSES = (500, 502, 503)
_RATE_KINDS = ("rate_limit", "error", "drop", "malformed")  # checked in this order; first hit wins
_SCRIPT_KINDS = {
    "500": "error",
    "502": "error",
    "503": "error",
    "429": "rate_limit",
    "drop": "drop",
    "malformed": "malformed",
    "ok": None,
}


@dataclass(frozen=True)
class FaultDecision:
    """What to do to one request. ``kind`` is None, "error", "rate_limit", "drop" or "malformed"."""

    latency: float = 0.0
    kind: str | None = None
    status: int | None = None
    phase: str = "before"
    stuck_cursor: bool = False
    scripted: bool = False
    latency_phase: str = "before"  # "after": the request is processed first, then the answer waits

    @property
    def label(self) -> str | None:
        """A short name for the request log, e.g. ``"drop_after"`` or ``"503_before"``."""
        if self.kind is None:
            return f"delay_{self.latency_phase}" if self.latency and self.scripted else None
        name = {"error": str(self.status), "rate_limit": "429"}.get(self.kind, self.kind)
        return f"{name}_{self.phase}"


NO_FAULT = FaultDecision()


@dataclass(frozen=True)
class _Scope:
    methods: frozenset[str] | None = None
    path: re.Pattern[str] | None = None
    phase: str | None = None

    def matches(self, method: str, path: str) -> bool:
        return (self.methods is None or method in self.methods) and (
            self.path is None or bool(self.path.search(path))
        )


@dataclass(frozen=True)
class _Rule:
    value: float  # probability, latency seconds, or 1.0/0.0 for stuck_cursor
    scope: _Scope | None = None  # None: use the shared scope
    jitter: float | None = None  # latency only


class Faults:
    """Thread-safe fault settings plus the seeded per-request decision. See the module docstring.

    Example:
        >>> sb.faults.update(drop_rate=0.1, phase="after")      # doctest: +SKIP
        >>> sb.faults.script(["drop_after", "ok", "503"])      # doctest: +SKIP
        >>> sb.faults.clear()                                   # doctest: +SKIP
    """

    def __init__(self, *, seed: int = 0, **settings: object) -> None:
        self._lock = threading.Lock()
        self._rng = random.Random(seed)
        self._seed = seed
        self._rules: dict[str, _Rule] = {}
        self._shared = _Scope(phase="before")
        self._error_statuses: tuple[int, ...] = ERROR_STATUSES
        self._jitter = 0.0
        self._script: deque[tuple[str, _Scope]] = deque()
        if settings:
            self.update(**settings)

    # --- settings ---------------------------------------------------------------------------------
    def update(self, **settings: object) -> None:
        """Change some settings; the others keep their values. Raises ``ValueError`` on a bad value."""
        unknown = set(settings) - {
            "latency",
            "jitter",
            "error_rate",
            "rate_limit_rate",
            "drop_rate",
            "malformed_rate",
            "stuck_cursor",
            "phase",
            "methods",
            "path",
            "seed",
            "error_statuses",
        }
        if unknown:
            raise ValueError(f"unknown fault setting(s): {', '.join(sorted(unknown))}")
        # Validate everything before changing anything, so a bad call leaves the settings intact.
        rules = dict(self._rules)
        shared = self._shared
        jitter = self._jitter
        statuses = self._error_statuses
        if "phase" in settings or "methods" in settings or "path" in settings:
            shared = _Scope(
                methods=_methods(settings["methods"]) if "methods" in settings else shared.methods,
                path=_regex(settings["path"]) if "path" in settings else shared.path,
                phase=_phase(settings["phase"]) if "phase" in settings else shared.phase,
            )
        if "jitter" in settings:
            jitter = _non_negative("jitter", settings["jitter"])
        if "error_statuses" in settings:
            statuses = _statuses(settings["error_statuses"])
        for name, kind in (
            ("error_rate", "error"),
            ("rate_limit_rate", "rate_limit"),
            ("drop_rate", "drop"),
            ("malformed_rate", "malformed"),
        ):
            if name in settings:
                rules[kind] = _rule(name, settings[name], value_key="rate", probability=True)
        if "latency" in settings:
            rules["latency"] = _rule("latency", settings["latency"], value_key="seconds", probability=False)
        if "stuck_cursor" in settings:
            raw = settings["stuck_cursor"]
            if isinstance(raw, Mapping):
                raw = {**raw, "enabled": 1.0 if _bool("stuck_cursor", raw.get("enabled", True)) else 0.0}
                rules["stuck_cursor"] = _rule("stuck_cursor", raw, value_key="enabled", probability=True)
            else:
                rules["stuck_cursor"] = _Rule(1.0 if _bool("stuck_cursor", raw) else 0.0)
        seed = settings.get("seed")
        if seed is not None:
            seed = bounded_int("seed", seed, low=0, high=MAX_SEED)
        with self._lock:
            self._rules = {k: r for k, r in rules.items() if r.value}
            self._shared = shared
            self._jitter = jitter
            self._error_statuses = statuses
            if seed is not None:
                self._seed = seed
                self._rng.seed(seed)

    def clear(self) -> None:
        """Turn every fault off and empty the script (the seed is kept)."""
        with self._lock:
            self._rules = {}
            self._shared = _Scope(phase="before")
            self._jitter = 0.0
            self._error_statuses = ERROR_STATUSES
            self._script.clear()

    def script(
        self, entries: Iterable[str], *, methods: Iterable[str] | None = None, path: str | None = None
    ) -> None:
        """Queue faults for the next requests matching ``methods``/``path``, one entry per request.

        Example:
            >>> f = Faults(); f.script(["drop_after", "ok"], methods=["POST"])
            >>> f.pending()
            2
        """
        if isinstance(entries, str):
            raise ValueError("script() takes a list of entries, e.g. ['drop_after', '500_before']")
        scope = _Scope(methods=_methods(methods), path=_regex(path))
        parsed = [(_script_entry(e), scope) for e in entries]
        with self._lock:
            self._script.extend((entry, sc) for entry, sc in parsed)

    def pending(self) -> int:
        """How many scripted entries are still waiting."""
        return len(self._script)

    def settings(self) -> dict:
        """The current settings as JSON-ready values (what ``GET /_sandbox/faults`` answers)."""
        with self._lock:
            out: dict[str, object] = {
                "latency": 0.0,
                "jitter": self._jitter,
                "error_rate": 0.0,
                "rate_limit_rate": 0.0,
                "drop_rate": 0.0,
                "malformed_rate": 0.0,
                "stuck_cursor": False,
                "phase": self._shared.phase,
                "methods": _list(self._shared.methods),
                "path": self._shared.path.pattern if self._shared.path else None,
                "error_statuses": list(self._error_statuses),
                "seed": self._seed,
                "script": [entry for entry, _ in self._script],
            }
            names = {
                "error": "error_rate",
                "rate_limit": "rate_limit_rate",
                "drop": "drop_rate",
                "malformed": "malformed_rate",
                "latency": "latency",
                "stuck_cursor": "stuck_cursor",
            }
            for kind, rule in self._rules.items():
                value: object = bool(rule.value) if kind == "stuck_cursor" else rule.value
                if rule.scope is None and rule.jitter is None:
                    out[names[kind]] = value
                else:
                    scoped: dict[str, object] = {"value": value}
                    if rule.jitter is not None:
                        scoped["jitter"] = rule.jitter
                    if rule.scope is not None:
                        scoped.update(
                            methods=_list(rule.scope.methods),
                            path=rule.scope.path.pattern if rule.scope.path else None,
                            phase=rule.scope.phase,
                        )
                    out[names[kind]] = scoped
            return out

    @property
    def active(self) -> bool:
        """True if any fault or scripted entry could apply (lets the server skip ``decide`` entirely)."""
        return bool(self._rules or self._script or self._jitter)

    # --- the per-request decision ------------------------------------------------------------------
    def decide(self, method: str, path: str) -> FaultDecision:
        """Draw the faults for one request (consumes one scripted entry if one matches)."""
        if not self.active:
            return NO_FAULT
        method = method.upper()
        with self._lock:
            latency = 0.0
            lphase = self._shared.phase or "before"
            rule = self._rules.get("latency")
            if rule is not None and self._applies(rule, method, path):
                jitter = self._jitter if rule.jitter is None else rule.jitter
                latency = rule.value + (self._rng.uniform(0.0, jitter) if jitter else 0.0)
                if rule.scope is not None and rule.scope.phase:
                    lphase = rule.scope.phase
            elif self._jitter and "latency" not in self._rules and self._shared.matches(method, path):
                latency = self._rng.uniform(0.0, self._jitter)
            stuck = self._drawn("stuck_cursor", method, path)

            for i, (entry, scope) in enumerate(self._script):
                if scope.matches(method, path):
                    del self._script[i]
                    return _scripted(entry, latency, lphase, stuck, self._rng)

            for kind in _RATE_KINDS:
                rule = self._rules.get(kind)
                if rule is None or not self._applies(rule, method, path):
                    continue
                if self._rng.random() < rule.value:
                    phase = (
                        rule.scope.phase if rule.scope and rule.scope.phase else None
                    ) or self._shared.phase
                    status = (
                        self._rng.choice(self._error_statuses)
                        if kind == "error"
                        else (429 if kind == "rate_limit" else None)
                    )
                    return FaultDecision(
                        latency, kind, status, phase or "before", stuck, latency_phase=lphase
                    )
            if latency or stuck:
                return FaultDecision(latency=latency, stuck_cursor=stuck, latency_phase=lphase)
            return NO_FAULT

    def _applies(self, rule: _Rule, method: str, path: str) -> bool:
        scope = rule.scope
        if scope is None:
            return self._shared.matches(method, path)
        return scope.matches(method, path)

    def _drawn(self, kind: str, method: str, path: str) -> bool:
        rule = self._rules.get(kind)
        return bool(
            rule is not None and self._applies(rule, method, path) and self._rng.random() < rule.value
        )

    def __repr__(self) -> str:
        return f"<Faults {sorted(self._rules)} script={len(self._script)}>"


# --- parsing helpers (each raises ValueError naming the setting) ---------------------------------------


def _scripted(entry: str, latency: float, lphase: str, stuck: bool, rng: random.Random) -> FaultDecision:
    head, _, seconds = entry.partition(":")
    name, _, phase = head.partition("_")
    if name == "delay":  # the entry's own latency replaces the rate-based one
        return FaultDecision(
            latency=float(seconds), stuck_cursor=stuck, scripted=True, latency_phase=phase or "before"
        )
    kind = _SCRIPT_KINDS[name]
    if kind is None:
        return FaultDecision(latency=latency, stuck_cursor=stuck, scripted=True, latency_phase=lphase)
    status = int(name) if kind == "error" else (429 if kind == "rate_limit" else None)
    return FaultDecision(latency, kind, status, phase or "before", stuck, scripted=True, latency_phase=lphase)


def _script_entry(entry: object) -> str:
    if not isinstance(entry, str):
        raise ValueError(f"script entries are strings such as 'drop_after', got {_short(entry)}")
    head, colon, seconds = entry.strip().lower().partition(":")
    name, sep, phase = head.partition("_")
    if name == "delay" and colon and (not sep or phase in PHASES):
        try:
            value = float(seconds)
        except ValueError:
            value = math.nan
        if not 0 <= value <= MAX_LATENCY_SECONDS:
            raise ValueError(
                f"bad script entry {_short(entry)}: delay seconds must be between 0 and "
                f"{MAX_LATENCY_SECONDS:g}, e.g. 'delay_after:5'"
            )
        return f"delay_{phase or 'before'}:{value!r}"
    if colon or name not in _SCRIPT_KINDS or (sep and phase not in PHASES) or (name == "ok" and sep):
        raise ValueError(
            f"bad script entry {_short(entry)}: use <kind>[_before|_after] with kind in "
            f"{', '.join(_SCRIPT_KINDS)} (e.g. 'drop_after', '503', 'ok'), or 'delay[_before|_after]:<seconds>'"
        )
    return f"{name}_{phase}" if sep else name


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _rule(name: str, raw: object, *, value_key: str, probability: bool) -> _Rule:
    if isinstance(raw, Mapping):
        allowed = {
            value_key,
            "value",
            "methods",
            "path",
            "phase",
            *(("jitter",) if name == "latency" else ()),
        }
        extra = set(raw) - allowed
        if extra:
            raise ValueError(f"{name}: unknown key(s) {', '.join(sorted(extra))}")
        value = raw.get(value_key, raw.get("value", 0.0))
        scope = _Scope(
            methods=_methods(raw.get("methods")),
            path=_regex(raw.get("path")),
            phase=_phase(raw["phase"]) if raw.get("phase") is not None else None,
        )
        jitter = _non_negative(f"{name}.jitter", raw["jitter"]) if raw.get("jitter") is not None else None
        return _Rule(_number(name, value, probability), scope, jitter)
    return _Rule(_number(name, raw, probability))


def _number(name: str, raw: object, probability: bool) -> float:
    if probability:
        return bounded_float(name, raw, low=0.0, high=1.0)
    return _non_negative(name, raw)


def _non_negative(name: str, raw: object) -> float:
    # Seconds: above the bound a handler thread would sleep for ages (or time.sleep overflows).
    return bounded_float(name, raw, low=0.0, high=MAX_LATENCY_SECONDS)


def _bool(name: str, raw: object) -> bool:
    if not isinstance(raw, bool):
        raise ValueError(f"{name} must be true or false, got {raw!r}")
    return raw


def _phase(raw: object) -> str:
    if raw not in PHASES:
        raise ValueError(f"phase must be 'before' or 'after', got {raw!r}")
    return str(raw)


def _methods(raw: object) -> frozenset[str] | None:
    if raw is None:
        return None
    if isinstance(raw, str):
        raw = [m for m in raw.split(",") if m.strip()]
    if not isinstance(raw, Iterable) or not all(isinstance(m, str) for m in raw):
        raise ValueError(f"methods must be a list of HTTP method names, got {raw!r}")
    methods = frozenset(m.strip().upper() for m in raw)
    return methods or None


def _regex(raw: object) -> re.Pattern[str] | None:
    if raw is None or raw == "":
        return None
    if not isinstance(raw, str):
        raise ValueError(f"path must be a regular expression string, got {raw!r}")
    try:
        return re.compile(raw)
    except re.error as exc:
        raise ValueError(f"path is not a valid regular expression: {exc}") from None


def _statuses(raw: object) -> tuple[int, ...]:
    if not isinstance(raw, Iterable) or isinstance(raw, str | bytes):
        raise ValueError(f"error_statuses must be a list of 5xx statuses, got {raw!r}")
    out = tuple(raw)
    if not out or not all(isinstance(s, int) and not isinstance(s, bool) and 500 <= s <= 599 for s in out):
        raise ValueError(f"error_statuses must be a non-empty list of 5xx statuses, got {raw!r}")
    return out


def _list(methods: frozenset[str] | None) -> list[str] | None:
    return sorted(methods) if methods else None
