"""All models, imported here so that Alembic and the app see the whole schema."""
from models.account import (THEMES, TRAVEL_FOLLOW_LOCAL, TRAVEL_KEEP_HOME, LoginThrottle, Role,
                            User, UserSession)
from models.base import Base, UTCDateTime, db, utcnow
from models.journal import CheckIn, Severity, SideEffect, side_effect_medications
from models.medication import (DoseEvent, DoseStatus, Medication, MedicationKind,
                               MedicationStatus, PlannedDose, Regimen, RegimenChange, SkipReason)
from models.ops import WorkerHeartbeat
from models.sharing import (AccessLogEntry, CareLink, CaregiverAlertSettings, Category, Grant,
                            LinkStatus, LogAction, TherapistNote)
from models.decisions import (AppointmentNote, Balance, BalanceReason, CheckinReminder,
                              Checkpoint, Expectation, Experiment, ExperimentKind, NoteKind,
                              Question, Ruler, Side, Verdict)
from models.update import CaregiverObservation, ObservationStatus, PrescriberUpdate
from models.recovery import PasswordReset, PendingSignup
from models.plan import PlanSection, SafetyPlan, SafetyPlanItem
from models.step_plan import PlanKind, PlanStatus, PlanStep, PlanStepVersion, StepPlan
from models.help import HelpContact, HelpContactKind, HelpSettings
from models.guided_start import GuidedStart
from models.push import (ActionTokenUse, DeliveryAttempt, LapsedSubscription,
                         MedicationReminder, PushSubscription, Reminder, ReminderKind,
                         ReminderSettings, ReminderStatus)

__all__ = [
    "THEMES", "TRAVEL_FOLLOW_LOCAL", "TRAVEL_KEEP_HOME",
    "AppointmentNote", "Balance", "BalanceReason", "CheckinReminder", "Checkpoint", "Expectation",
    "Experiment", "ExperimentKind", "GuidedStart", "Ruler", "HelpContact", "HelpContactKind",
    "HelpSettings", "NoteKind",
    "PasswordReset", "PendingSignup", "Question", "Side", "Verdict", "PlanSection", "SafetyPlan",
    "SafetyPlanItem", "PlanKind", "PlanStatus", "PlanStep", "PlanStepVersion", "StepPlan",
    "CaregiverObservation", "ObservationStatus", "PrescriberUpdate",
    "AccessLogEntry", "CareLink", "CaregiverAlertSettings", "Category", "Grant", "LinkStatus",
    "LogAction", "TherapistNote",
    "ActionTokenUse", "DeliveryAttempt", "LapsedSubscription", "MedicationReminder",
    "PushSubscription", "Reminder", "ReminderKind", "ReminderSettings", "ReminderStatus",
    "Base", "CheckIn", "DoseEvent", "DoseStatus", "LoginThrottle", "Medication", "MedicationKind",
    "MedicationStatus", "PlannedDose", "Regimen", "RegimenChange", "Role", "Severity",
    "SideEffect", "SkipReason", "UTCDateTime", "User", "UserSession", "WorkerHeartbeat", "db",
    "side_effect_medications", "utcnow",
]
