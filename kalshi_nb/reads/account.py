"""Account reads: the API usage tier and token-bucket limits, the endpoint costs, and applying both to the
client's rate limiter."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .base import ReadBase

if TYPE_CHECKING:
    from ..ratelimit import RateLimiter


class AccountReads(ReadBase):
    """``GET /account/*`` of ``KalshiClient``."""

    rate_limiter: RateLimiter | None

    def get_account_limits(self) -> dict:
        """``GET /account/limits``: ``{"usage_tier", "read": {"refill_rate", "bucket_capacity"}, "write": ...,
        "grants": [...]}``, this key's tier (Basic ... Prestige) and its token buckets.

        Example:
            >>> client.get_account_limits()["usage_tier"]
            'basic'
        """
        return self._request("GET", "/account/limits")

    def get_endpoint_costs(self) -> dict:
        """``GET /account/endpoint_costs``: ``{"default_cost": 10, "endpoint_costs": [{method, path, cost}]}``,
        the routes whose token cost differs from the default."""
        return self._request("GET", "/account/endpoint_costs")

    def sync_rate_limits(self, *, costs: bool = True) -> RateLimiter:
        """Adopt this account's tier and token buckets (and, with ``costs``, its endpoint costs); return the limiter.

        The client starts on the tier it was given (``rate_limit=``, Basic by default) and learns the real
        one only when asked, here: two reads. A client created with ``rate_limit=None`` gets a limiter.
        The limiter is changed in place, so clients sharing it all follow.

        Example:
            >>> client.sync_rate_limits().name
            'basic'
        """
        from ..ratelimit import RateLimiter

        limits = self.get_account_limits()
        limiter = self.rate_limiter
        if limiter is None:
            limiter = self.rate_limiter = RateLimiter.for_tier("basic")
        limiter.apply_limits(limits)
        if costs:
            limiter.apply_costs(self.get_endpoint_costs())
        return limiter
