"""The control routes under ``/_sandbox/`` and the operations they share with Python and the CLI."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Request

from ..errors import SandboxError, bad_request
from ..identity import valid_nonce
from ..limits import (
    MAX_BALANCE_CENTS,
    MAX_TS,
    MIN_TS,
    bounded_float,
    bounded_int,
    parse_json,
)
from ..ratelimit import RateLimiter, make_limiter
from .routes import CONTROL_PREFIX, CONTROL_RULES, control_routes
from .state import AppState
from .wire import _error_body, _object, _Query, _string, dumps


class ControlRoutes(AppState):
    """The control handlers (``_c_<endpoint>``) and the operations shared by Python, the CLI and them."""

    usage_tier: str = "basic"  # the tier /account/limits reports while rate limits are off
    # The WebSocket feed (Sandbox sets both): its faults (ws.WsFaults) and, while it runs, its server.
    # The HTTP app never imports the ws package: an app served without a Sandbox simply has no feed.
    ws_faults: Any = None
    ws_server: Any = None

    def register_key(self, key_id: str, public_key_pem: str | bytes, user_id: str | None = None) -> str:
        """Trust ``public_key_pem`` for ``key_id``; create an account for a new user; return the user id."""
        import uuid

        user_id = user_id or str(uuid.uuid4())
        self.keys.add(key_id, public_key_pem, user_id=user_id)
        with self._state_lock:
            if user_id not in self._users:
                self.exchange.add_account(user_id)
                self._users.add(user_id)
        return user_id

    def reset(self) -> None:
        """Regenerate the exchange from its seed; empty the request log, caches and rate buckets."""
        with self._state_lock:
            self.exchange.reset()
            for user_id in self._users:
                self.exchange.add_account(user_id)  # idempotent; reset() keeps known accounts
        self.requests.clear()
        with self._lists_lock:
            self._lists.clear()
        if self.limiter is not None:
            self.limiter.reset()

    def set_rate_limit(self, spec: str | RateLimiter | None) -> None:
        """Limit by a tier ("basic" ... "prestige"), or None/"off" for no limits (the tier is kept for
        ``/account/limits`` and the batch size)."""
        limiter = make_limiter(spec)
        if limiter is not None:
            self.usage_tier = limiter.tier.name
        elif self.limiter is not None:
            self.usage_tier = self.limiter.tier.name
        self.limiter = limiter

    def _control(self, environ: dict) -> tuple[int, bytes]:
        request = Request(environ)
        try:
            try:
                endpoint, _ = control_routes().match(request.path, request.method)
            except HTTPException:
                raise SandboxError(
                    404,
                    "not_found",
                    f"no control route {request.method} {request.path}; GET {CONTROL_PREFIX}/ lists them",
                ) from None
            body: object = None
            data = request.get_data()
            if data.strip():
                try:
                    body = parse_json(data)
                except ValueError as exc:
                    raise bad_request(str(exc)) from None
            try:
                return 200, dumps(getattr(self, f"_c_{endpoint}")(request, body))
            except (ValueError, TypeError, KeyError, ArithmeticError) as exc:
                raise bad_request(f"{type(exc).__name__}: {str(exc)[:300]}") from None
        except SandboxError as exc:
            return exc.status, dumps(exc.body())
        except Exception as exc:  # noqa: BLE001 -- reported to the caller by on_error
            self.on_error(exc)
            return 500, _error_body("internal_server_error", f"sandbox error: {type(exc).__name__}")

    def _c_index(self, request: Request, body: object) -> dict:
        return {
            "routes": [
                f"{','.join(sorted(r.methods - {'HEAD', 'OPTIONS'}))} {r.rule}"  # type: ignore[operator]
                for r in CONTROL_RULES
            ]
        }

    def _c_faults_get(self, request: Request, body: object) -> dict:
        return self.faults.settings()

    def _c_faults_set(self, request: Request, body: object) -> dict:
        self.faults.update(**_object(body))
        return self.faults.settings()

    def _c_faults_clear(self, request: Request, body: object) -> dict:
        self.faults.clear()
        return self.faults.settings()

    def _c_faults_script(self, request: Request, body: object) -> dict:
        spec = _object(body)
        self.faults.script(spec["entries"], methods=spec.get("methods"), path=spec.get("path"))
        return {"pending": self.faults.pending()}

    def _c_reset(self, request: Request, body: object) -> dict:
        self.reset()
        return {"reset": True}

    def _c_settle(self, request: Request, body: object) -> dict:
        spec = _object(body)
        self.exchange.settle_market(_string(spec, "ticker"), _string(spec, "result"))
        return {"settled": spec["ticker"], "result": spec["result"]}

    def _c_balance(self, request: Request, body: object) -> dict:
        spec = _object(body)
        user_id = spec.get("user_id")
        if user_id is None and "key_id" in spec:
            entry = self.keys.get(_string(spec, "key_id"))
            if entry is None:
                raise SandboxError(404, "not_found", "unknown key_id")
            user_id = entry.user_id
        cents = spec.get("balance_cents")
        if not isinstance(user_id, str) or isinstance(cents, bool) or not isinstance(cents, int):
            raise bad_request(
                'expected {"user_id" or "key_id": str, "balance_cents": int, "subaccount"?: int, '
                '"exchange_index"?: int}'
            )
        bounded_int("balance_cents", cents, low=0, high=MAX_BALANCE_CENTS)
        sub = bounded_int("subaccount", spec.get("subaccount", 0), low=0, high=63)
        shard = spec.get("exchange_index")
        if shard is not None:
            shard = bounded_int("exchange_index", shard, low=0, high=100)
        self.exchange.set_balance(user_id, cents, subaccount=sub, exchange_index=shard)
        return {"user_id": user_id, "balance_cents": cents}

    def _user_of(self, spec: dict) -> str:
        user_id = spec.get("user_id")
        if user_id is None and "key_id" in spec:
            entry = self.keys.get(_string(spec, "key_id"))
            if entry is None:
                raise SandboxError(404, "not_found", "unknown key_id")
            user_id = entry.user_id
        if not isinstance(user_id, str):
            raise bad_request('expected "user_id" or "key_id" (a string)')
        return user_id

    def _c_event_fee(self, request: Request, body: object) -> dict:
        """``{"event_ticker", "fee_type_override", "fee_multiplier_override"}`` (both null: clear)."""
        spec = _object(body)
        unknown = sorted(set(spec) - {"event_ticker", "fee_type_override", "fee_multiplier_override"})
        if unknown:
            raise bad_request(f"unknown field(s): {', '.join(unknown)}")
        change = self.exchange.set_event_fee(
            _string(spec, "event_ticker"), spec.get("fee_type_override"), spec.get("fee_multiplier_override")
        )
        return {"event_fee_change": change}

    def _c_pauses_get(self, request: Request, body: object) -> dict:
        until = self.exchange.paused_until()
        return {"pauses": self.exchange.pauses, "paused_until": until.isoformat() if until else None}

    def _c_pauses_set(self, request: Request, body: object) -> dict:
        enabled = _object(body).get("enabled")
        if not isinstance(enabled, bool):
            raise bad_request('expected {"enabled": true or false}')
        self.exchange.set_pauses(enabled)
        return self._c_pauses_get(request, None)

    def _c_auto_allocation(self, request: Request, body: object) -> dict:
        spec = _object(body)
        enabled = spec.get("enabled")
        if not isinstance(enabled, bool):
            raise bad_request('expected {"user_id" or "key_id": str, "enabled": true or false}')
        user_id = self._user_of(spec)
        self.exchange.set_auto_allocation(user_id, enabled)
        return {"user_id": user_id, **self.exchange.target_balance_allocation(user_id)}

    def _c_keys(self, request: Request, body: object) -> dict:
        spec = _object(body)
        user_id = spec.get("user_id")
        if user_id is not None and not isinstance(user_id, str):
            raise bad_request("user_id must be a string")
        user_id = self.register_key(_string(spec, "key_id"), _string(spec, "public_key_pem"), user_id)
        return {"key_id": spec["key_id"], "user_id": user_id}

    def _c_requests_get(self, request: Request, body: object) -> dict:
        limit = _Query(request.args).integer("limit", low=0)
        records = self.requests.snapshot()
        if limit is not None:
            records = records[-limit:] if limit else []
        return {"requests": [r.to_json() for r in records]}

    def _c_requests_clear(self, request: Request, body: object) -> dict:
        self.requests.clear()
        return {"cleared": True}

    def _c_historical_cutoff(self, request: Request, body: object) -> dict:
        raw = _object(body).get("ts")
        if isinstance(raw, int | float) and not isinstance(raw, bool):
            when = datetime.fromtimestamp(bounded_float("ts", raw, low=MIN_TS, high=MAX_TS), tz=timezone.utc)
        elif isinstance(raw, str):
            when = datetime.fromisoformat(raw.replace("Z", "+00:00"))
            if when.tzinfo is None:
                raise bad_request("ts must carry a timezone (e.g. a trailing Z)")
        else:
            raise bad_request('expected {"ts": unix seconds or ISO-8601}')
        self.exchange.set_historical_cutoff(when)
        return self.exchange.historical_cutoff()

    def _c_identity(self, request: Request, body: object) -> dict:
        nonce = request.args.get("nonce", "")
        if not valid_nonce(nonce):
            raise bad_request("query parameter 'nonce' must be 1 to 128 hex characters")
        if self.identity is None:
            raise SandboxError(
                404, "not_found", "this sandbox app has no identity (it is not served by Sandbox)"
            )
        return {"sandbox": "kalshi_nb", "proof": self.identity.proof(nonce)}

    def _c_rate_limit_get(self, request: Request, body: object) -> dict:
        return {"tier": self.limiter.tier.name if self.limiter else "off"}

    def _c_rate_limit_set(self, request: Request, body: object) -> dict:
        tier = _object(body).get("tier")
        self.set_rate_limit(None if tier in (None, "off") else str(tier))
        return self._c_rate_limit_get(request, None)

    # --- the WebSocket feed's faults (ws/faults.py) ---------------------------------------------------
    def _ws_faults(self) -> Any:
        if self.ws_faults is None:
            raise SandboxError(
                404, "not_found", "this sandbox serves no WebSocket feed (built with ws=False)"
            )
        return self.ws_faults

    def _c_ws_faults_get(self, request: Request, body: object) -> dict:
        return {**self._ws_faults().as_dict(), "connections": self._ws_connections()}

    def _c_ws_faults_set(self, request: Request, body: object) -> dict:
        self._ws_faults().update(**_object(body))
        return self._c_ws_faults_get(request, None)

    def _c_ws_faults_clear(self, request: Request, body: object) -> dict:
        self._ws_faults().clear()
        return self._c_ws_faults_get(request, None)

    def _c_ws_drop_all(self, request: Request, body: object) -> dict:
        self._ws_faults()
        dropped = self._ws_connections()
        if self.ws_server is not None:
            self.ws_server.drop_all()
        return {"dropped": dropped}

    def _ws_connections(self) -> int:
        return int(self.ws_server.connections) if self.ws_server is not None else 0
