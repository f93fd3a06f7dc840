"""Web Push: the devices a client subscribed, their reminder settings, and the reminder outbox."""
from datetime import date, datetime, time

from sqlalchemy import (Boolean, Date, ForeignKey, Index, Integer, String, Time,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import UTCDateTime, db, utcnow


class PushSubscription(db.Model):
    """One browser on one device that agreed to receive notifications.

    ``session_id`` is the sign-in it was made in: signing out of that device deletes it (the
    browser's worker is unregistered then anyway, so the subscription is dead)."""

    __tablename__ = "push_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    endpoint: Mapped[str] = mapped_column(String(2048), unique=True)
    p256dh: Mapped[str] = mapped_column(String(200))
    auth: Mapped[str] = mapped_column(String(100))
    device_label: Mapped[str] = mapped_column(String(80), default="")
    user_agent: Mapped[str] = mapped_column(String(300), default="")
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_sessions.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_failure_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str] = mapped_column(String(300), default="")
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)

    def as_webpush_info(self) -> dict:
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}}


class LapsedSubscription(db.Model):
    """A device whose subscription the push service ended (404/410): its row is deleted, this
    remains so Today and the reminders page can say reminders stopped reaching it, and when.
    Turning reminders on again from that browser removes it."""

    __tablename__ = "lapsed_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    device_label: Mapped[str] = mapped_column(String(80), default="")
    user_agent: Mapped[str] = mapped_column(String(300), default="")
    subscribed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    stopped_at: Mapped[datetime] = mapped_column(UTCDateTime())


# The choices of the reminder settings form (tend/reminder_pages/forms.py labels them).
REPEAT_DELAY_CHOICES = (15, 30, 60, 120)  # minutes
REFILL_DAY_CHOICES = (0, 3, 5, 7, 14)     # days ahead; 0: never


class ReminderSettings(db.Model):
    """A client's choices for every reminder; a missing row means the defaults."""

    __tablename__ = "reminder_settings"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    show_names: Mapped[bool] = mapped_column(Boolean, default=False)
    quiet_start: Mapped[time | None] = mapped_column(Time)
    quiet_end: Mapped[time | None] = mapped_column(Time)
    repeat_delay_minutes: Mapped[int] = mapped_column(Integer, default=30)
    refill_days: Mapped[int | None] = mapped_column(Integer, default=7)


class MedicationReminder(db.Model):
    """Whether a medication's doses are reminded, and once more if still unlogged."""

    __tablename__ = "medication_reminders"

    medication_id: Mapped[int] = mapped_column(
        ForeignKey("medications.id", ondelete="CASCADE"), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    repeat: Mapped[bool] = mapped_column(Boolean, default=False)


class ReminderKind:
    DOSE = "dose"
    REPEAT = "repeat"
    SNOOZE = "snooze"
    REFILL = "refill"
    TEST = "test"
    CAREGIVER_ALERT = "caregiver_alert"  # to a caregiver's device; planned by tend.reminders.kinds.caregiver_alert
    CHECKIN = "checkin"  # the optional daily check-in reminder (models.decisions.CheckinReminder)
    FOLLOW_UP = "follow-up"  # "did it help?" after an as-needed dose (DoseEvent.follow_up_at)
    DOSE_KINDS = (DOSE, REPEAT, SNOOZE)


class ReminderStatus:
    PENDING = "pending"
    CLAIMED = "claimed"
    SENT = "sent"
    FAILED = "failed"
    MISSED = "missed"
    CANCELLED = "cancelled"


class Reminder(db.Model):
    """The outbox: one notification for one device. Rows are the source of truth; the worker
    claims due rows with a lease, so a crashed worker's claims come back when it expires."""

    __tablename__ = "reminders"
    __table_args__ = (
        UniqueConstraint("planned_dose_id", "kind", "subscription_id"),
        UniqueConstraint("medication_id", "kind", "refill_for", "subscription_id"),
        Index("ix_reminders_status_next_attempt", "status", "next_attempt_at"),
        Index("ix_reminders_user_due", "user_id", "due_at"),
        # One check-in reminder per client, local day and device. A unique index rather than
        # a constraint: SQLite adds it without rebuilding the table.
        Index("uq_reminders_user_kind_checkin_for_subscription", "user_id", "kind",
              "checkin_for", "subscription_id", unique=True),
        Index("uq_reminders_dose_event_kind_subscription", "dose_event_id", "kind",
              "subscription_id", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    subscription_id: Mapped[int | None] = mapped_column(
        ForeignKey("push_subscriptions.id", ondelete="SET NULL"), index=True)
    planned_dose_id: Mapped[int | None] = mapped_column(
        ForeignKey("planned_doses.id", ondelete="CASCADE"), index=True)
    medication_id: Mapped[int | None] = mapped_column(
        ForeignKey("medications.id", ondelete="CASCADE"), index=True)
    refill_for: Mapped[date | None] = mapped_column(Date)  # the estimated last day of supply
    checkin_for: Mapped[date | None] = mapped_column(Date)  # the client's local day to check in
    dose_event_id: Mapped[int | None] = mapped_column(  # a follow-up's as-needed dose
        ForeignKey("dose_events.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default=ReminderStatus.PENDING)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # After this, the notification would only confuse: it is marked missed instead of sent.
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    subscription: Mapped[PushSubscription | None] = relationship()
    planned_dose = relationship("PlannedDose")
    medication = relationship("Medication")
    dose_event = relationship("DoseEvent")


class DeliveryAttempt(db.Model):
    """One try to hand a reminder to the push service, with what came back."""

    __tablename__ = "delivery_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    reminder_id: Mapped[int] = mapped_column(ForeignKey("reminders.id", ondelete="CASCADE"),
                                             index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    duration_ms: Mapped[int] = mapped_column(Integer)
    status_code: Mapped[int | None] = mapped_column(Integer)
    # sending (written before the post), then sent, retry, gone, failed; or unknown: the
    # worker stopped before writing the outcome, so it may have been delivered
    outcome: Mapped[str] = mapped_column(String(20))
    error: Mapped[str] = mapped_column(String(300), default="")


class ActionTokenUse(db.Model):
    """A notification's action token that has been used: each works once."""

    __tablename__ = "action_token_uses"

    nonce: Mapped[str] = mapped_column(String(32), primary_key=True)
    reminder_id: Mapped[int | None] = mapped_column(
        ForeignKey("reminders.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(20))
    used_at: Mapped[datetime] = mapped_column(UTCDateTime())


__all__ = ["REFILL_DAY_CHOICES", "REPEAT_DELAY_CHOICES", "ActionTokenUse", "DeliveryAttempt", "LapsedSubscription", "MedicationReminder", "PushSubscription",
           "Reminder", "ReminderKind", "ReminderSettings", "ReminderStatus"]
