"""Validate one HTTP answer against Kalshi's OpenAPI 3.0 spec: the operation's response schema for its status.

The spec is OpenAPI 3.0.0, whose schema objects are a dialect of JSON Schema draft 4. They are converted
once to plain draft 4 (``nullable: true`` becomes "or null", including where it stands next to a ``$ref``,
which 3.0 strictly ignores but Kalshi's spec uses to mean nullable) and compiled with ``jsonschema_rs``
(the validator schemathesis itself uses), one validator per (operation, status), on first use.

Where the spec describes the status it is checked; a status the operation does not list (a 404 on a list
route, say) has no schema to check against and is only counted. Error bodies: live Kalshi wraps its error
object as ``{"error": {...}}`` (shared/kalshi-api.md, "Error body"), and the spec's ``ErrorResponse``
models the inner object, so a body's ``error`` object is checked against the same schema as the body.

Example:
    >>> checker = ResponseChecker(load_spec())                              # doctest: +SKIP
    >>> checker.check("GET", "/trade-api/v2/markets", 200, b'{"markets": 1}')  # doctest: +SKIP
    Outcome(kind='violation', route='GET /markets', status=200, error="1 is not of type 'array' at /markets")
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass
from typing import Any

import jsonschema_rs

API_PREFIX = "/trade-api/v2"
METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
# Keys of a schema object whose values are schemas, or lists/maps of schemas (the rest are data).
_ONE = ("items", "not", "additionalProperties")
_MANY = ("allOf", "anyOf", "oneOf")


def to_draft4(schema: Any) -> Any:
    """An OpenAPI 3.0 schema object as plain JSON Schema draft 4 (a new object; the input is not changed).

    Example:
        >>> to_draft4({"type": "string", "nullable": True, "enum": ["a"]})
        {'type': ['string', 'null'], 'enum': ['a', None]}
        >>> to_draft4({"$ref": "#/components/schemas/X", "nullable": True})
        {'anyOf': [{'type': 'null'}, {'$ref': '#/components/schemas/X'}]}
    """
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "nullable" or key == "example" or key == "discriminator" or key.startswith("x-"):
            continue
        if key == "properties" and isinstance(value, dict):
            out[key] = {name: to_draft4(sub) for name, sub in value.items()}
        elif key in _ONE and isinstance(value, dict):
            out[key] = to_draft4(value)
        elif key in _MANY and isinstance(value, list):
            out[key] = [to_draft4(sub) for sub in value]
        else:
            out[key] = value
    if schema.get("nullable") is True:
        if "$ref" in out or "type" not in out:
            return {"anyOf": [{"type": "null"}, out]}
        kinds = out["type"] if isinstance(out["type"], list) else [out["type"]]
        out["type"] = [*kinds, "null"]
        if "enum" in out and None not in out["enum"]:
            out["enum"] = [*out["enum"], None]
    return out


@dataclass(frozen=True)
class Operation:
    """One operation of the spec: its method, path template and responses."""

    method: str
    template: str
    responses: dict[str, Any]

    @property
    def route(self) -> str:
        return f"{self.method} {self.template}"


@dataclass(frozen=True)
class Outcome:
    """What one answer came to: ``ok``, ``violation`` (with the first error), ``undocumented`` (the spec
    lists no such status for the operation), ``no_schema`` (listed without a body schema) or ``unknown``
    (no operation of the spec has this method and path)."""

    kind: str
    route: str
    status: int
    error: str = ""


class ResponseChecker:
    """Checks answers against one spec; thread-safe; validators are compiled once per (operation, status)."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        self._root = {"components": {"schemas": to_draft4_map(spec["components"]["schemas"])}}
        shared = spec["components"].get("responses", {})
        self._operations: list[tuple[re.Pattern[str], Operation]] = []
        for template, item in spec["paths"].items():
            for method in METHODS:
                op = item.get(method)
                if op is None:
                    continue
                responses = {
                    code: shared[r["$ref"].rsplit("/", 1)[-1]] if "$ref" in r else r
                    for code, r in op.get("responses", {}).items()
                }
                self._operations.append(
                    (_template_regex(template), Operation(method.upper(), template, responses))
                )
        # A literal segment beats a parameter: /markets/candlesticks is not /markets/{ticker}.
        self._operations.sort(key=lambda pair: pair[1].template.count("{"))
        self._validators: dict[tuple[str, str], jsonschema_rs.Validator | None] = {}
        self._compiled: dict[str, jsonschema_rs.Validator] = {}
        self._lock = threading.Lock()

    def operation(self, method: str, path: str) -> Operation | None:
        """The spec's operation for ``method`` and the request ``path`` (with or without the API prefix)."""
        if path.startswith(API_PREFIX):
            path = path[len(API_PREFIX) :] or "/"
        for pattern, op in self._operations:
            if op.method == method and pattern.fullmatch(path):
                return op
        return None

    def check(self, method: str, path: str, status: int, body: bytes) -> Outcome:
        """The outcome of one answer: ``status`` and raw ``body`` bytes for ``method`` on ``path``."""
        op = self.operation(method.upper(), path)
        if op is None:
            return Outcome("unknown", f"{method.upper()} {path}", status)
        code = _response_code(op.responses, status)
        if code is None:
            return Outcome("undocumented", op.route, status)
        validator = self._validator(op, code)
        if validator is None:
            return Outcome("no_schema", op.route, status)
        try:
            instance = json.loads(body) if body else None
        except ValueError as exc:
            return Outcome("violation", op.route, status, f"the body is not JSON ({exc}): {body[:120]!r}")
        error = _first_error(validator, instance)
        if error is None and isinstance(instance, dict) and isinstance(instance.get("error"), dict):
            inner = _first_error(validator, instance["error"])
            error = f"{inner} (in the error object)" if inner else None
        return Outcome("violation", op.route, status, error) if error else Outcome("ok", op.route, status)

    def _validator(self, op: Operation, code: str) -> jsonschema_rs.Validator | None:
        key = (op.route, code)
        with self._lock:
            if key in self._validators:
                return self._validators[key]
            content = op.responses[code].get("content") or {}
            media = content.get("application/json") or next(iter(content.values()), {})
            schema = media.get("schema")
            validator = None
            if schema is not None:
                # Operations share schemas (every ErrorResponse): one compiled validator per distinct schema.
                text = json.dumps(schema, sort_keys=True)
                validator = self._compiled.get(text)
                if validator is None:
                    document = {**self._root, "allOf": [to_draft4(schema)]}
                    validator = jsonschema_rs.Draft4Validator(document, validate_formats=True)
                    self._compiled[text] = validator
            self._validators[key] = validator
            return validator


def to_draft4_map(schemas: dict[str, Any]) -> dict[str, Any]:
    """``to_draft4`` applied to each named schema of ``components/schemas``."""
    return {name: to_draft4(schema) for name, schema in schemas.items()}


def _template_regex(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^/{}]+\})", template)
    return re.compile("".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts))


def _response_code(responses: dict[str, Any], status: int) -> str | None:
    for code in (str(status), f"{status // 100}XX", "default"):
        if code in responses:
            return code
    return None


def _first_error(validator: jsonschema_rs.Validator, instance: Any) -> str | None:
    if validator.is_valid(instance):
        return None
    error = next(iter(validator.iter_errors(instance)))
    where = "/" + "/".join(str(p) for p in error.instance_path)
    return f"{error.message[:300]} at {where}"
