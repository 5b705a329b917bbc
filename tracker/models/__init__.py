"""Typed SQLAlchemy models: invariants and derived properties only, no workflows."""

from tracker.models.audit import AuditEvent, DataVersion
from tracker.models.base import Base, utcnow
from tracker.models.charts import ChartImage, KeptFile
from tracker.models.commitments import Commitment, CommitmentGoal, IndicatorTarget
from tracker.models.conversation import (
    Comment,
    CommentMention,
    CommentRevision,
    FeedbackResponse,
    Follow,
    Notification,
    NotificationPreference,
    OutgoingEmail,
)
from tracker.models.documents import PreparedDocument
from tracker.models.indicators import (
    ExtractMapping,
    HeldExtract,
    IndicatorDataset,
    IndicatorDraft,
    UploadCheck,
)
from tracker.models.national import (
    ApiToken,
    NationalReportPublication,
    ProgrammeYear,
    Submission,
)
from tracker.models.organisation import (
    AdvisoryGroup,
    AdvisoryGroupMember,
    AdvisoryGroupShare,
    Invitation,
    Membership,
    Organisation,
    OrganisationKind,
    ReportingCycle,
)
from tracker.models.plans import (
    Action,
    ActionIndicatorLink,
    ActionPlan,
    LibraryEntry,
    PlanImport,
    PlanImportDraft,
    PlanSignOff,
    PlanTheme,
    ProgressUpdate,
    Reflection,
)
from tracker.models.publications import Publication
from tracker.models.reviews import AnnualReview, NationalFigure, ReviewAmendment, ReviewNarrative
from tracker.models.user import PasswordLink, SignInFailure, User, UserSession

__all__ = [
    "Commitment",
    "CommitmentGoal",
    "IndicatorTarget",
    "PreparedDocument",
    "ChartImage",
    "KeptFile",
    "Action",
    "AnnualReview",
    "NationalFigure",
    "ApiToken",
    "NationalReportPublication",
    "ProgrammeYear",
    "Submission",
    "Publication",
    "ReviewAmendment",
    "ReviewNarrative",
    "ActionIndicatorLink",
    "ActionPlan",
    "PlanImport",
    "PlanImportDraft",
    "PlanSignOff",
    "LibraryEntry",
    "PlanTheme",
    "ProgressUpdate",
    "Reflection",
    "AdvisoryGroup",
    "AdvisoryGroupMember",
    "AdvisoryGroupShare",
    "AuditEvent",
    "DataVersion",
    "Base",
    "ExtractMapping",
    "HeldExtract",
    "UploadCheck",
    "IndicatorDataset",
    "IndicatorDraft",
    "Invitation",
    "Membership",
    "Organisation",
    "OrganisationKind",
    "PasswordLink",
    "ReportingCycle",
    "SignInFailure",
    "User",
    "UserSession",
    "utcnow",
    "Comment",
    "CommentMention",
    "CommentRevision",
    "FeedbackResponse",
    "Follow",
    "Notification",
    "NotificationPreference",
    "OutgoingEmail",
]
