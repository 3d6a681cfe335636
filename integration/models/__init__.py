from integration.models.console import ActionKind, ActionOutcome, BulkJob, OidcIdentity, StaffAction
from integration.models.inbound import InboundEvent, InboundKind, InboundOutcome
from integration.models.mapping import FieldMapping, MappingProfile, SourceFormat
from integration.models.reconciliation import ReconciliationRun
from integration.models.retention import RetentionPolicy, RetentionRun
from integration.models.settings import MosipSettings, OpenCrvsSettings, SettingsChange
from integration.models.submission import (
    Attempt,
    EventType,
    IntakeRepeat,
    Status,
    Submission,
    TransactionId,
)
from integration.models.trust import TrustedDocument, TrustedDocumentKind
from integration.models.verification import (
    EsignetSettings,
    IdaSettings,
    VerificationKind,
    VerificationRecord,
    VerificationResult,
)
from integration.models.websub import WebSubState, WebSubSubscription
from integration.models.worker import WorkerHeartbeat

__all__ = [
    "ActionKind",
    "Attempt",
    "BulkJob",
    "EsignetSettings",
    "EventType",
    "FieldMapping",
    "IntakeRepeat",
    "MappingProfile",
    "IdaSettings",
    "InboundEvent",
    "InboundKind",
    "InboundOutcome",
    "MosipSettings",
    "OidcIdentity",
    "OpenCrvsSettings",
    "ActionOutcome",
    "ReconciliationRun",
    "RetentionPolicy",
    "RetentionRun",
    "SettingsChange",
    "SourceFormat",
    "StaffAction",
    "Status",
    "Submission",
    "TransactionId",
    "TrustedDocument",
    "TrustedDocumentKind",
    "VerificationKind",
    "VerificationRecord",
    "VerificationResult",
    "WebSubState",
    "WebSubSubscription",
    "WorkerHeartbeat",
]
