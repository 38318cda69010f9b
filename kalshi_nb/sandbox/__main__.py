"""``python -m kalshi_nb.sandbox``: serve a sandbox exchange until interrupted (Ctrl-C).

Prints the API base URL on its first line (``Kalshi sandbox: http://127.0.0.1:PORT/trade-api/v2``), then
the key id and key file the sandbox trusts. ``--write-env PATH`` writes a ready ``.env`` pointing kalshi_nb
at it, with a generated private key saved next to it (0600).

Example:
    python -m kalshi_nb.sandbox --port 8765 --write-env .env
    python -m kalshi_nb.sandbox --key-id MY-ID --public-key ~/.kalshi/me.pub.pem --error-rate 0.05
    python -m kalshi_nb.sandbox --activity 5 --ws-fault drop_every=500 --ws-fault delay=0.05
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

ENV_KEY_FILENAME = "kalshi-sandbox-key.pem"


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m kalshi_nb.sandbox",
        description="Serve a local Kalshi Trade API v2 sandbox until interrupted (Ctrl-C).",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=0, help="port (default 0: a free port, printed on start)")
    p.add_argument("--seed", type=int, default=0, help="seed of the synthetic data (default 0)")
    p.add_argument(
        "--size",
        "--markets",
        dest="markets",
        type=int,
        default=None,
        help="number of markets to generate (default: a few hundred)",
    )
    p.add_argument(
        "--now",
        default=None,
        help="the exchange's anchor time, ISO-8601 with a timezone (default: the real clock)",
    )
    p.add_argument(
        "--starting-balance-cents",
        type=int,
        default=1_000_000,
        help="balance of every new account, in cents (default 1000000)",
    )
    p.add_argument(
        "--no-pauses",
        dest="pauses",
        action="store_false",
        default=None,  # None: the Sandbox's default, which KALSHI_NB_SANDBOX_PAUSES=0 turns off (the tests)
        help="no Thursday 03:00-05:00 ET trading pause (default: the pause follows the exchange's clock, "
        "unless KALSHI_NB_SANDBOX_PAUSES=0)",
    )
    p.add_argument(
        "--no-auto-allocation",
        dest="auto_allocation",
        action="store_false",
        help="orders on an unfunded exchange shard are refused instead of drawing collateral from shard 0",
    )
    p.add_argument(
        "--history-days",
        type=int,
        default=0,
        metavar="N",
        help="also generate N days of settled KXBTC15M windows with trades and candles (default 0)",
    )
    p.add_argument("--no-ws", dest="ws", action="store_false", help="do not serve the WebSocket feed")
    p.add_argument(
        "--ws-port",
        type=int,
        default=None,
        help="port of the WebSocket feed (default: --port + 1 when --port is fixed, so a restart keeps "
        "KALSHI_WS_URL; a free port otherwise)",
    )
    p.add_argument(
        "--ws-delay", type=float, default=0.0, metavar="S", help="WebSocket fault: delay every frame"
    )
    p.add_argument(
        "--ws-buffer-limit",
        type=int,
        default=None,
        metavar="N",
        help="WebSocket fault: a subscription adding a frame to N waiting ones ends with error 25",
    )
    p.add_argument(
        "--ws-refuse-upgrade", action="store_true", help="WebSocket fault: answer every upgrade 503"
    )
    p.add_argument(
        "--ws-fault",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="any WebSocket fault (repeatable), e.g. drop_every=500, drop_after=20, skip_seq=true, "
        "duplicate=true, delay=0.1, buffer_limit=50, refuse_upgrade=true; also settable while running "
        "at /_sandbox/ws/faults",
    )
    p.add_argument(
        "--activity",
        type=float,
        default=None,
        metavar="RATE",
        help="run the seeded market simulation at about RATE steps a second (default: off)",
    )
    keys = p.add_argument_group("keys")
    keys.add_argument(
        "--key-id",
        action="append",
        default=[],
        metavar="ID",
        help="register an API key id (repeatable; pair each with --public-key)",
    )
    keys.add_argument(
        "--public-key",
        action="append",
        default=[],
        metavar="PEM",
        help="its public key: a PEM file path or the PEM text (RSA or Ed25519)",
    )
    keys.add_argument(
        "--write-env",
        metavar="PATH",
        default=None,
        help="write a ready .env (KALSHI_API_BASE, KALSHI_API_KEY_ID, KALSHI_PRIVATE_KEY_PATH, KALSHI_WS_URL) "
        f"and the private key next to it as {ENV_KEY_FILENAME}",
    )
    keys.add_argument("--force", action="store_true", help="let --write-env overwrite existing files")
    p.add_argument(
        "--rate-limit",
        default="basic",
        choices=["basic", "advanced", "expert", "premier", "paragon", "prime", "prestige", "off"],
        help="rate-limit tier (default basic)",
    )
    f = p.add_argument_group("faults (for testing clients)")
    f.add_argument("--latency", type=float, default=0.0, help="seconds added to every request")
    f.add_argument("--jitter", type=float, default=0.0, help="extra random latency, up to this many seconds")
    f.add_argument("--error-rate", type=float, default=0.0, help="probability of a 5xx answer")
    f.add_argument(
        "--429-rate", dest="rate_limit_rate", type=float, default=0.0, help="probability of a 429 answer"
    )
    f.add_argument("--drop-rate", type=float, default=0.0, help="probability of closing with no response")
    f.add_argument("--malformed-rate", type=float, default=0.0, help="probability of a truncated JSON body")
    f.add_argument(
        "--stuck-cursor", action="store_true", help="list endpoints repeat the same cursor forever"
    )
    f.add_argument(
        "--fault-phase",
        choices=["before", "after"],
        default="before",
        help="'after': requests are processed, then the answer is lost (default before)",
    )
    f.add_argument("--fault-methods", default=None, metavar="GET,POST", help="only fault these methods")
    f.add_argument("--fault-path", default=None, metavar="REGEX", help="only fault paths matching this regex")
    f.add_argument("--fault-seed", type=int, default=None, help="seed of the fault draws (default: --seed)")
    f.add_argument(
        "--script",
        action="append",
        default=[],
        metavar="ENTRY",
        help="scripted faults for the next requests, e.g. drop_after or 500_before "
        "(repeatable, or comma-separated)",
    )
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return the exit status.

    Example:
        >>> main(["--port", "0", "--seed", "3"])   # doctest: +SKIP
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if len(args.key_id) != len(args.public_key):
        parser.error("pair every --key-id with a --public-key")
    try:
        public_keys = [_read_pem(text) for text in args.public_key]
    except OSError as exc:
        parser.error(f"--public-key: cannot read {exc.filename}: {exc.strerror}")
    now = None
    if args.now:
        try:
            now = datetime.fromisoformat(args.now.replace("Z", "+00:00"))
        except ValueError:
            parser.error(f"--now is not ISO-8601: {args.now!r}")
        if now.tzinfo is None:
            parser.error("--now needs a timezone, e.g. 2026-11-25T12:00:00Z")
    env_path = Path(args.write_env).expanduser().resolve() if args.write_env else None
    key_path = env_path.with_name(ENV_KEY_FILENAME) if env_path else None
    if env_path and not args.force:
        for path in (env_path, key_path):
            assert path is not None
            if path.exists():
                parser.error(f"{path} exists; pass --force to overwrite it")

    from . import Sandbox
    from .faults import Faults
    from .sigcheck import load_public_key
    from .ws import WsFaults
    from .ws.faults import parse_setting

    # Check every fault setting and key before the (slower) data build.
    faults = Faults(seed=args.seed if args.fault_seed is None else args.fault_seed)
    try:
        faults.update(
            latency=args.latency,
            jitter=args.jitter,
            error_rate=args.error_rate,
            rate_limit_rate=args.rate_limit_rate,
            drop_rate=args.drop_rate,
            malformed_rate=args.malformed_rate,
            stuck_cursor=args.stuck_cursor,
            phase=args.fault_phase,
            methods=args.fault_methods,
            path=args.fault_path,
        )
        if args.script:
            faults.script([e for entry in args.script for e in entry.split(",") if e.strip()])
        for pem in public_keys:
            load_public_key(pem)
        ws_faults = {"delay": args.ws_delay, "buffer_limit": args.ws_buffer_limit,
                     "refuse_upgrade": args.ws_refuse_upgrade}  # fmt: skip
        ws_faults.update(parse_setting(text) for text in args.ws_fault)
        WsFaults().update(**ws_faults)
    except ValueError as exc:
        parser.error(str(exc))

    try:
        sandbox = Sandbox(
            seed=args.seed,
            markets=args.markets,
            host=args.host,
            port=args.port,
            rate_limit=None if args.rate_limit == "off" else args.rate_limit,
            faults=faults,
            now=now,
            starting_balance_cents=args.starting_balance_cents,
            pauses=args.pauses,
            auto_allocation=args.auto_allocation,
            ws=args.ws,
            ws_port=_ws_port(args.port, args.ws_port),
            ws_faults=ws_faults,
            activity=args.activity,
            history_days=args.history_days,
        )
    except ValueError as exc:  # a bound (limits.py): --size, --seed, --port, --starting-balance-cents
        parser.error(str(exc))
    for key_id, pem in zip(args.key_id, public_keys, strict=True):
        sandbox.register_key(key_id, pem)

    # SIGTERM (e.g. from a supervisor) stops as cleanly as Ctrl-C.
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda signum, frame: _interrupt())
    stop = threading.Event()
    out = sys.stdout
    try:
        with sandbox:
            out.write(f"Kalshi sandbox: {sandbox.url}\n")
            if args.ws:
                out.write(f"  WebSocket feed: {sandbox.ws_url}\n")
            out.write(f"  control routes: {sandbox.root_url}/_sandbox/\n")
            out.write(f"  identity secret: {sandbox.secret_path}\n")
            if env_path and key_path:
                reused = _reuse_env_key(env_path, key_path, sandbox)
                _write_env(env_path, key_path, sandbox, key_id=reused)
                out.write(
                    f"  wrote {env_path} (key {reused or sandbox.key_id}, private key {key_path}"
                    f"{'; the key of the previous run, so a running notebook keeps working' if reused else ''})\n"
                )
            else:
                out.write(f"  key id: {sandbox.key_id}\n  private key: {sandbox.private_key_path}\n")
            for key_id in args.key_id:
                out.write(f"  registered key: {key_id}\n")
            out.write("  Ctrl-C to stop\n")
            out.flush()
            while not stop.wait(3600):
                pass
    except KeyboardInterrupt:
        out.write("stopped\n")
        out.flush()
    return 0


def _interrupt() -> None:
    raise KeyboardInterrupt


def _read_pem(text: str) -> str:
    """A ``--public-key`` value: the PEM text itself, or a path to it."""
    if "-----BEGIN" in text:
        return text
    return Path(text).expanduser().read_text()


def _reuse_env_key(env_path: Path, key_path: Path, sandbox: object) -> str | None:
    """The key id of a .env this command wrote before, registered again for the sandbox's own account.

    With a fixed port (``make sandbox``) the old .env then keeps working after a restart. None when there is
    no such .env or its key cannot be read (a fresh key is written then).
    """
    from cryptography.hazmat.primitives import serialization

    from . import Sandbox

    assert isinstance(sandbox, Sandbox)
    try:
        text = env_path.read_text()
        private = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError):
        return None
    if "Written by `python -m kalshi_nb.sandbox`" not in text:
        return None
    key_id = next(
        (
            line.split("=", 1)[1].strip()
            for line in text.splitlines()
            if line.startswith("KALSHI_API_KEY_ID=")
        ),
        None,
    )
    if not key_id:
        return None
    public = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    try:
        sandbox.register_key(key_id, public, sandbox.user_id)
    except ValueError:
        return None
    return key_id


def _ws_port(port: int, ws_port: int | None) -> int:
    """The WebSocket port: as given; else next to a fixed REST port (``make sandbox`` restarts keep the
    .env's KALSHI_WS_URL valid, as they keep KALSHI_API_BASE); else 0, a free port.

    Example:
        >>> _ws_port(8765, None), _ws_port(0, None), _ws_port(8765, 9000)
        (8766, 0, 9000)
    """
    if ws_port is not None:
        return ws_port
    return port + 1 if 0 < port < 65535 else 0


def _write_env(env_path: Path, key_path: Path, sandbox: object, *, key_id: str | None = None) -> None:
    """Write the private key (0600) and a .env that points kalshi_nb at the sandbox.

    With ``key_id`` (a key from the previous run, already registered) the key file is kept as it is.
    """
    from . import Sandbox

    assert isinstance(sandbox, Sandbox)
    if key_id is None:
        _write_private(key_path, Path(sandbox.private_key_path).read_bytes(), mode=0o600)
    env_path.parent.mkdir(parents=True, exist_ok=True)
    env_text = (
        "# Written by `python -m kalshi_nb.sandbox`: points kalshi_nb at a local sandbox exchange.\n"
        "# The key below is a throwaway the sandbox generated; it is worthless against the real Kalshi.\n"
        f"KALSHI_API_BASE={sandbox.url}\n"
        f"KALSHI_API_KEY_ID={key_id or sandbox.key_id}\n"
        f"KALSHI_PRIVATE_KEY_PATH={key_path}\n"
    )
    if sandbox._ws is not None:
        env_text += f"KALSHI_WS_URL={sandbox.ws_url}\n"
    _write_private(env_path, env_text.encode(), mode=0o600)


def _write_private(path: Path, data: bytes, *, mode: int) -> None:
    # Replace atomically, and never leave a moment where the file is readable by others.
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


if __name__ == "__main__":
    sys.exit(main())
