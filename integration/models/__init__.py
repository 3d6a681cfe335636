from integration.models.settings import MosipSettings, OpenCrvsSettings
from integration.models.submission import Attempt, EventType, Status, Submission, TransactionId

__all__ = [
    "Attempt",
    "EventType",
    "MosipSettings",
    "OpenCrvsSettings",
    "Status",
    "Submission",
    "TransactionId",
]
