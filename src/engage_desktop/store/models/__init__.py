"""Every model, imported here so Alembic's metadata sees them all."""

from engage_desktop.store.models.app import AppSetting, SyncLock, SyncRun, SyncState
from engage_desktop.store.models.messaging import (
    InboundMessage,
    InboundPollState,
    JobLease,
    MessageThread,
    OutboxBatch,
    OutboxMessage,
    Suppression,
)
from engage_desktop.store.models.mirror import (
    AppointmentRecord,
    LocationRecord,
    PatientRecord,
    PatientSearchToken,
    ProcedureRecord,
    ProviderRecord,
    RecallRecord,
)
from engage_desktop.store.models.unlinked import (
    MatchPair,
    PatientMatchKey,
    UnlinkedMatchKey,
    UnlinkedPatientRecord,
    UnlinkedSearchToken,
)
from engage_desktop.store.models.users import AuditRecord, UserRecord

__all__ = [
    "InboundMessage",
    "InboundPollState",
    "JobLease",
    "MessageThread",
    "OutboxBatch",
    "OutboxMessage",
    "Suppression",
    "MatchPair",
    "PatientMatchKey",
    "UnlinkedMatchKey",
    "UnlinkedPatientRecord",
    "UnlinkedSearchToken",
    "AppSetting",
    "AppointmentRecord",
    "AuditRecord",
    "LocationRecord",
    "PatientRecord",
    "PatientSearchToken",
    "ProcedureRecord",
    "ProviderRecord",
    "RecallRecord",
    "SyncLock",
    "SyncRun",
    "SyncState",
    "UserRecord",
]
