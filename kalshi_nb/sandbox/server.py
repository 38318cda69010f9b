"""The sandbox's HTTP layer (the code is in ``kalshi_nb.sandbox.http``; this module keeps its names): a werkzeug WSGI app that parses, authenticates, rate-limits, injects faults,
dispatches to the ``Exchange`` and serialises; plus a keep-alive request handler and the request log.

API routes live under ``/trade-api/v2`` with the live paths (see ``RULES``). Portfolio routes need valid
``KALSHI-ACCESS-*`` headers. Public market data needs none, but if a request to a public route carries any
``KALSHI-ACCESS-*`` header, all three are verified and a bad one is a 401: the SDK signs every request
when a key is configured, so a signing bug then surfaces on the first call (live behaviour UNCONFIRMED;
stricter here on purpose).

Control routes (unauthenticated, never faulted, rate-limited or logged) live under ``/_sandbox/``:

=========================  ==========================================================================
``GET /_sandbox/``         this list
``GET /_sandbox/faults``   current fault settings (``Faults.settings()``)
``POST /_sandbox/faults``  JSON body = keyword arguments of ``Faults.update``, e.g. ``{"drop_rate": 0.1}``
``DELETE /_sandbox/faults`` turn every fault off and empty the script
``POST /_sandbox/faults/script``  ``{"entries": ["drop_after", "500"], "methods": ["POST"], "path": "..."}``
``POST /_sandbox/reset``   regenerate the exchange from its seed; empty the request log and rate buckets
                           (keys and fault settings are kept)
``POST /_sandbox/settle``  ``{"ticker": "...", "result": "yes"|"no"}``
``POST /_sandbox/balance`` ``{"user_id"|"key_id": "...", "balance_cents": 100000}``
``POST /_sandbox/keys``    ``{"key_id": "...", "public_key_pem": "-----BEGIN PUBLIC KEY-----...",
                           "user_id": optional}`` -> ``{"key_id", "user_id"}``
``GET /_sandbox/requests`` the request log (``?limit=N`` for the last N); ``DELETE`` empties it
``POST /_sandbox/historical_cutoff``  ``{"ts": unix seconds | ISO-8601}``
``GET|POST /_sandbox/rate_limit``  read or set ``{"tier": "basic"|"advanced"|"premier"|"paragon"|"prime"|"off"}``
``GET /_sandbox/identity``  ``?nonce=<1-128 hex>`` -> ``{"sandbox": "kalshi_nb", "proof": hmac_sha256(secret, nonce)}``
                           (the secret is in ``Sandbox.secret_path``; see ``identity.py``)
=========================  ==========================================================================

Parsing rules: empty query values count as absent (as Go's ``q.Get(...) != ""``); integers are decimal;
booleans accept Go's ``strconv.ParseBool`` spellings (``true``/``false``/``1``/``0``/``True``...); a
repeated scalar parameter uses its first value; unknown parameters are ignored. ``limit=0`` on an
endpoint whose minimum is 0 means the default page size (UNCONFIRMED).

Other choices: ``subaccount`` other than 0 is a 400 (the sandbox has only the primary account); the V1 write
paths are authenticated first, then answer ``deprecated_v1_order_endpoint``; ``/portfolio/positions`` pages
``market_positions`` and each page carries the ``event_positions`` of its markets' events; a candlestick
range of more than ``MAX_CANDLES`` candles is a 400; ``/markets/orderbooks`` takes a repeated ``tickers``
parameter and refuses comma-separated values.

Bad input (limits.py) is a 4xx with a Kalshi-shaped body, never a 500 or a dropped connection: bodies over
1 MiB are a 413; JSON nested deeper than 64 levels (or not JSON) is a 400; control values out of bounds are a
400 naming the bound; a malformed request line (HTTP/0.9, garbage) is a JSON 400 with a status line, then a
close. The request log is bounded in bytes (8 MiB), keeps bodies only up to 4 KiB (longer ones as a truncated
string), and a request that failed authentication is logged as method, path and status only.
"""

from __future__ import annotations

from .http.app import SandboxApp
from .http.requestlog import RequestLog, RequestRecord
from .http.routes import (
    API_PREFIX,
    CONTROL_PREFIX,
    CONTROL_RULES,
    LIMIT_EVENTS,
    LIMIT_MARKETS,
    LIMIT_PORTFOLIO,
    MARKET_STATUSES,
    RULES,
)
from .http.serving import SandboxRequestHandler, SandboxServer, make_sandbox_server
from .http.wire import dumps
from .limits import MAX_CANDLES

__all__ = [
    "API_PREFIX",
    "CONTROL_PREFIX",
    "CONTROL_RULES",
    "LIMIT_EVENTS",
    "LIMIT_MARKETS",
    "LIMIT_PORTFOLIO",
    "MARKET_STATUSES",
    "MAX_CANDLES",
    "RULES",
    "RequestLog",
    "RequestRecord",
    "SandboxApp",
    "SandboxRequestHandler",
    "SandboxServer",
    "dumps",
    "make_sandbox_server",
]
