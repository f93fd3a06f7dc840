"""Slowing down guessing: attempt counters per key, kept in the database so that every worker
process counts the same attempts, and timed by the caller's ``now`` so tests set the clock.

A key may make ``free`` attempts; after that each attempt must wait before the next one, the
wait doubling from ``first_wait`` up to ``longest_wait``. Nothing is ever locked: the longest
answer is "try again in a few minutes". A count starts again ``forget_after`` its first attempt.
"""
import hashlib
import ipaddress
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from models import LoginThrottle


@dataclass(frozen=True)
class Rule:
    scope: str
    free: int
    first_wait: timedelta
    longest_wait: timedelta
    forget_after: timedelta = timedelta(days=1)

    def wait_after(self, attempts: int) -> timedelta | None:
        """How long the next attempt waits once ``attempts`` have been counted."""
        over = attempts - self.free
        if over < 0:
            return None
        return min(self.first_wait * 2 ** min(over, 32), self.longest_wait)


def address_key(address: str | None) -> str:
    """An IPv4 address as it is; an IPv6 one by its /64 network, which one household or
    phone holds whole (counting single IPv6 addresses would count nothing)."""
    try:
        parsed = ipaddress.ip_address(address or "")
    except ValueError:
        return (address or "-")[:254]
    if parsed.version == 6:
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


def pair_key(*parts: str) -> str:
    """One key for several values together (an account and an address), as a hash."""
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def wait_left(db: Session, rule: Rule, key: str, now: datetime) -> timedelta | None:
    """How long this key must still wait before its next attempt, or None."""
    row = db.get(LoginThrottle, (rule.scope, key[:254]))
    if row is None or row.wait_until is None or row.wait_until <= now \
            or row.window_started_at <= now - rule.forget_after:
        return None
    return row.wait_until - now


def count(db: Session, rule: Rule, key: str, now: datetime) -> None:
    """Count one attempt under a row lock (so concurrent workers never lose one)."""
    key = key[:254]
    insert = postgresql.insert if db.get_bind().dialect.name == "postgresql" else sqlite.insert
    db.execute(insert(LoginThrottle)
               .values(scope=rule.scope, key=key, failures=0, window_started_at=now)
               .on_conflict_do_nothing(index_elements=["scope", "key"]))
    row = db.execute(select(LoginThrottle)
                     .where(LoginThrottle.scope == rule.scope, LoginThrottle.key == key)
                     .with_for_update().execution_options(populate_existing=True)).scalar_one()
    if row.window_started_at <= now - rule.forget_after:
        row.failures, row.window_started_at = 0, now
    row.failures += 1
    wait = rule.wait_after(row.failures)
    row.wait_until = now + wait if wait else None


def clear(db: Session, rule: Rule, key: str) -> None:
    db.execute(delete(LoginThrottle).where(LoginThrottle.scope == rule.scope,
                                           LoginThrottle.key == key[:254]))


def longest_wait_left(db: Session, checks: list[tuple[Rule, str]], now: datetime
                      ) -> timedelta | None:
    waits = [wait for rule, key in checks if (wait := wait_left(db, rule, key, now))]
    return max(waits) if waits else None
