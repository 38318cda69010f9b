"""The attributes of ``SandboxApp``, declared once so that each route module type-checks on its own."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from werkzeug.routing import MapAdapter

from ..faults import Faults
from ..identity import Identity
from ..pagination import CursorCodec
from ..ratelimit import RateLimiter
from ..sigcheck import KeyRegistry
from .requestlog import RequestLog


class AppState:
    """What ``SandboxApp.__init__`` sets; the route mixins read it."""

    exchange: Any  # an Exchange (or a stand-in with its methods)
    keys: KeyRegistry
    faults: Faults
    limiter: RateLimiter | None
    requests: RequestLog
    codec: CursorCodec
    on_error: Callable[[BaseException], None]
    clock: Callable[[], float]
    wire_seconds: float  # time spent in the request handler (app + socket I/O), for benchmarks
    identity: Identity | None  # set by Sandbox.start() once the port is known
    _users: set[str]
    _api_routes: MapAdapter
    _lists: OrderedDict[tuple, tuple[list, list]]
    _lists_lock: threading.Lock
    _state_lock: threading.Lock
    _in_flight: int
    _idle: threading.Condition
