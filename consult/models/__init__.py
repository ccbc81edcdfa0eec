"""The data model; see PRODUCT.md, "The objects"."""
from consult.models.base import Base, utcnow
from consult.models.consultation import (
    Consultation,
    ParticipantCategory,
    Phase,
    Region,
    Theme,
)
from consult.models.moderation import AuditEntry, Flag, RejectionReason
from consult.models.synthesis import (
    AnalysisRun,
    Code,
    DraftStatus,
    Evidence,
    Excerpt,
    Measure,
    NearDuplicate,
    Orientation,
    Reading,
    Recommendation,
)
from consult.models.testimony import (
    Attachment,
    Channel,
    Status,
    Testimony,
    Visibility,
    testimony_themes,
)
from consult.models.user import Role, RoleAssignment, User, UserSession

__all__ = [
    "AnalysisRun",
    "Code",
    "DraftStatus",
    "Evidence",
    "Excerpt",
    "Measure",
    "NearDuplicate",
    "Orientation",
    "Reading",
    "Recommendation",
    "Attachment",
    "AuditEntry",
    "Base",
    "Channel",
    "Consultation",
    "Flag",
    "ParticipantCategory",
    "Phase",
    "Region",
    "RejectionReason",
    "Role",
    "RoleAssignment",
    "Status",
    "Testimony",
    "Theme",
    "User",
    "UserSession",
    "Visibility",
    "testimony_themes",
    "utcnow",
]
