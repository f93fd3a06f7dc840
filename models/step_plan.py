"""Step plans: a taper or a titration the client enters once, as steps of a medication's dose.

Each step that is scheduled is a regimen version (``PlanStep.regimen``), made by the ordinary
regimen machinery (``tend.services.medications``), so Today, reminders, History, Insights, the
shared record and the export follow the plan with no special case. The plan keeps what the
versions can't: the steps still to come when it is paused or held, their order, and the
checkpoint of each step."""
import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Integer, Numeric, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import UTCDateTime, db, utcnow, value_enum
from models.medication import Medication, Regimen

MAX_PLAN_STEPS = 24
INTERVAL_DAYS_RANGE = (1, 365)
CHECKPOINT_DAYS_RANGE = (1, 365)


class PlanKind(str, enum.Enum):
    TAPER = "taper"          # the amount goes down step by step
    TITRATION = "titration"  # the amount goes up step by step


class PlanStatus(str, enum.Enum):
    ACTIVE = "active"  # the steps to come are scheduled as regimen versions
    PAUSED = "paused"  # none is scheduled; resuming shifts them by the days paused
    HELD = "held"      # the client stays at the current step: the rest won't be taken
# An active plan whose last step has begun is done: ``tend.services.step_plans`` says so,
# from the day, with nothing to store.


class StepPlan(db.Model):
    __tablename__ = "step_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                           index=True)
    medication_id: Mapped[int] = mapped_column(
        ForeignKey("medications.id", ondelete="CASCADE"), index=True)
    kind: Mapped[PlanKind] = mapped_column(value_enum(PlanKind, "plan_kind"))
    status: Mapped[PlanStatus] = mapped_column(value_enum(PlanStatus, "plan_status"),
                                               default=PlanStatus.ACTIVE)
    interval_days: Mapped[int] = mapped_column(Integer)
    # The amount per intake before the first step: where "step back" from step 1 goes.
    amount_before: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    # The client's local day the plan was paused on (steps to come shift from it).
    paused_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    medication: Mapped[Medication] = relationship()
    steps: Mapped[list["PlanStep"]] = relationship(
        back_populates="plan", order_by="PlanStep.ordinal", cascade="all, delete-orphan",
        passive_deletes=True)


class PlanStep(db.Model):
    """One step: the amount per intake from its first day, and an optional checkpoint some
    days into it ("How is this step going?", answered in the experiment flow)."""

    __tablename__ = "plan_steps"
    __table_args__ = (UniqueConstraint("plan_id", "ordinal"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("step_plans.id", ondelete="CASCADE"),
                                         index=True)
    ordinal: Mapped[int] = mapped_column(Integer)  # 1 for the first step
    amount: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    # The client's local day the step begins (or, while the plan is paused or held, the day
    # it was to begin).
    starts_on: Mapped[date] = mapped_column(Date)
    checkpoint_days: Mapped[int | None] = mapped_column(Integer)
    # The regimen version that carries this step now; None while it isn't scheduled (the
    # plan is paused or held, or another decision replaced it).
    regimen_id: Mapped[int | None] = mapped_column(
        ForeignKey("regimens.id", ondelete="SET NULL"), index=True)

    plan: Mapped[StepPlan] = relationship(back_populates="steps")
    regimen: Mapped[Regimen | None] = relationship()


class PlanStepVersion(db.Model):
    """A regimen version that carries, or carried, a plan's step. ``PlanStep.regimen`` is
    only the version carrying it now; after a step back the earlier versions still carried
    their steps, and the dose history and the export keep saying so."""

    __tablename__ = "plan_step_versions"

    regimen_id: Mapped[int] = mapped_column(ForeignKey("regimens.id", ondelete="CASCADE"),
                                            primary_key=True)
    step_id: Mapped[int] = mapped_column(ForeignKey("plan_steps.id", ondelete="CASCADE"),
                                         index=True)

    step: Mapped[PlanStep] = relationship()


__all__ = ["CHECKPOINT_DAYS_RANGE", "INTERVAL_DAYS_RANGE", "MAX_PLAN_STEPS", "PlanKind",
           "PlanStatus", "PlanStep", "PlanStepVersion", "StepPlan"]
