"""Ledgers: a user's cash per (subaccount, exchange shard), created on first use.

A user has a primary account (subaccount 0) and numbered subaccounts 1-63 (created in sequence); each holds
cash separately on every exchange shard. The starting balance sits on subaccount 0, shard 0. A ledger is an
``_Account`` stored under ``ledger_key(user, subaccount, shard)``; the matching layer books into it through
the order's ``user_id``, which is that key.
"""

from __future__ import annotations

from ..errors import SandboxError, bad_request, not_found
from ..limits import MAX_BALANCE_CENTS, bounded_int
from .shards import SHARDS, check_shard
from .state import CENT, _Account, _Base, _Member, ledger_key


class Ledgers(_Base):
    """Opening users and ledgers, finding them, and setting balances."""

    def add_account(self, user_id: str, balance_cents: int | None = None) -> None:
        """Open an account (idempotent: an existing account is left as it is)."""
        if balance_cents is not None:
            balance_cents = bounded_int("balance_cents", balance_cents, low=0, high=MAX_BALANCE_CENTS)
        with self._lock:
            if user_id in self._members:
                return
            cents = self._starting_cents if balance_cents is None else balance_cents
            self._open_member(user_id, cents)
            self._bump()

    def _open_member(self, user_id: str, cents: int) -> None:
        member = _Member(start_cents=cents)
        if not self.auto_allocation:
            member.allocations = []
        self._members[user_id] = member
        acct = _Account(user_id, cents * CENT, cents, updated_ts=int(self._now()), key=user_id)
        self._accounts[user_id] = acct
        member.ledgers.append(user_id)

    def set_balance(
        self, user_id: str, balance_cents: int, *, subaccount: int = 0, exchange_index: int | None = None
    ) -> None:
        """Set the available balance (cash not held by resting orders) to ``balance_cents`` (0 to 10**12;
        ValueError outside). With ``exchange_index`` None the whole subaccount is set: shard 0 gets it all and
        the other shards' free cash goes to 0, so ``balance(user_id)`` is then exactly ``balance_cents``."""
        balance_cents = bounded_int("balance_cents", balance_cents, low=0, high=MAX_BALANCE_CENTS)
        if exchange_index is not None:
            check_shard(exchange_index)
        with self._lock:
            self._account(user_id, create=True)
            now = int(self._now())
            shards = [exchange_index] if exchange_index is not None else list(SHARDS)
            for shard in shards:
                if (
                    shard != (exchange_index or 0)
                    and ledger_key(user_id, subaccount, shard) not in self._accounts
                ):
                    continue
                acct = self._ledger(user_id, subaccount, shard)
                target = balance_cents if shard == (exchange_index or 0) else 0
                acct.cash = target * CENT + acct.held
                acct.updated_ts = now
            self._bump()

    def _account(self, user_id: str, *, create: bool = False) -> _Account:
        """The primary ledger (subaccount 0, shard 0) of a user; 404 for an unknown user."""
        acct = self._accounts.get(user_id)
        if acct is None:
            if not create:
                raise SandboxError(404, "not_found", f"no account for user {user_id}")
            self.add_account(user_id)
            acct = self._accounts[user_id]
        return acct

    def _member(self, user_id: str) -> _Member:
        self._account(user_id)
        return self._members[user_id]

    def _check_subaccount(self, user_id: str, subaccount: int) -> None:
        member = self._member(user_id)
        if isinstance(subaccount, bool) or not isinstance(subaccount, int) or not 0 <= subaccount <= 63:
            raise bad_request(f"subaccount must be 0 (primary) or 1-63, got {subaccount!r}")
        if subaccount > member.subaccounts:
            have = f"1-{member.subaccounts}" if member.subaccounts else "none yet"
            raise not_found(
                f"subaccount {subaccount} does not exist (numbered subaccounts: {have}); "
                "create one with POST /portfolio/subaccounts"
            )

    def _ledger(self, user_id: str, subaccount: int = 0, exchange_index: int = 0) -> _Account:
        """The ledger of (user, subaccount, shard), created empty on first use; 404 for an unknown subaccount."""
        key = ledger_key(user_id, subaccount, exchange_index)
        acct = self._accounts.get(key)
        if acct is None:
            self._check_subaccount(user_id, subaccount)
            check_shard(exchange_index)
            acct = _Account(
                user_id, 0, 0, updated_ts=int(self._now()), subaccount=subaccount,
                exchange_index=exchange_index, key=key,
            )  # fmt: skip
            self._accounts[key] = acct
            self._members[user_id].ledgers.append(key)
        return acct

    def _ledgers(
        self, user_id: str, subaccount: int | None = None, exchange_index: int | None = None
    ) -> list[_Account]:
        """A user's existing ledgers, optionally of one subaccount and/or one shard."""
        member = self._member(user_id)
        out = []
        for key in member.ledgers:
            acct = self._accounts[key]
            if subaccount is not None and acct.subaccount != subaccount:
                continue
            if exchange_index is not None and acct.exchange_index != exchange_index:
                continue
            out.append(acct)
        return out

    def _shard_of(self, ticker: str) -> int:
        """A market's exchange shard (0 until the data sets ``exchange_index``)."""
        return int(self._rec[ticker].get("exchange_index", 0) or 0)
