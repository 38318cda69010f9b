"""The sandbox's WebSocket feed (Kalshi's ``/trade-api/ws/v2``): ``server`` (the endpoint, its thread and
loop, the upgrade's authentication), ``session`` (commands and subscriptions), ``messages`` (the message
bodies), ``faults`` (drop, skip a seq, duplicate, delay, overflow, refuse; also from the CLI's
``--ws-fault`` and the ``/_sandbox/ws/faults`` routes). The rules are in ``DESIGN.md``, section "WebSocket".

Example:
    >>> sb.ws_url.endswith("/trade-api/ws/v2")
    True
"""

from __future__ import annotations

from .faults import WsFaults

__all__ = ["WsFaults"]
