"""Deleting an account and everything of it.

The schema is walked rather than listed: every row that references the account through a
foreign key, directly or through rows that do, is deleted; a reference whose foreign key says
``SET NULL`` (another person's record that merely mentions this account, like "logged by")
is cleared instead. A table added later is therefore covered without touching this module,
and this does not depend on the database enforcing cascades (SQLite only does so by pragma)."""
import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import Base, LoginThrottle, PendingSignup, User


def remove_rows(db: Session, table: sa.Table, condition) -> None:
    """Delete ``table``'s rows matching ``condition``, after whatever references them."""
    for child in Base.metadata.sorted_tables:
        for fk in child.foreign_keys:
            if fk.column.table is not table:
                continue
            referenced = sa.select(fk.column).where(condition)
            if (fk.ondelete or "").upper() == "SET NULL":
                db.execute(sa.update(child).where(fk.parent.in_(referenced))
                           .values({fk.parent.name: None}))
            else:
                remove_rows(db, child, fk.parent.in_(referenced))
    db.execute(sa.delete(table).where(condition))


def delete_account(db: Session, user: User) -> None:
    """Remove the account, its sessions, records, shares in both directions, reminders,
    devices and the access log about it. The caller commits."""
    email, user_id = user.email, user.id
    db.expunge(user)
    remove_rows(db, User.__table__, User.__table__.c.id == user_id)
    # Kept by e-mail address, not by a foreign key: the sign-up mail counter and sign-ups
    # still waiting for the address to be confirmed (sign-in counters hold only a hash).
    db.execute(sa.delete(LoginThrottle).where(LoginThrottle.scope == "signup-mail",
                                              LoginThrottle.key == email))
    db.execute(sa.delete(PendingSignup).where(PendingSignup.email == email))
