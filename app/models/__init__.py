"""All tables, imported in dependency order so the metadata is complete for Alembic."""

from app.models.base import UTCDateTime, utcnow  # noqa: I001  (sets the naming convention first)
from app.models.city import City, CityPublic, MunicipalityType
from app.models.account import Role, StaffAccount
from app.models.workshop import (
    AgeBand,
    Channel,
    Idea,
    IdeaReaction,
    Participant,
    PhaseKind,
    StakeholderGroup,
    Workshop,
    WorkshopEvent,
    WorkshopFacilitator,
    WorkshopPhase,
    WorkshopStatus,
)
from app.models.theme import CityWord, RunStatus, Theme, ThemeMember, ThemeRun
from app.models.proposal import Proposal, ProposalStatus
from app.models.vote import (
    Ballot,
    RoundProposal,
    RoundStatus,
    RoundVoter,
    VoteRound,
    VotingCode,
)
from app.models.presence import PresenceMiss, RoundPresence
from app.models.privacy import ConsentPurpose, ConsentRecord
from app.models.device import DeviceCode, DeviceParticipant
from app.models.plan import (
    Plan,
    PlanGoal,
    PlanIssue,
    PlanItem,
    PlanItemChange,
    PlanItemSource,
    PlanStatus,
    PlanVersion,
    PlanVersionMove,
)
from app.models.monitoring import (
    Agency,
    EvidenceFile,
    Indicator,
    IndicatorValue,
    ProgressReport,
    ReportState,
    SheetUpload,
)

__all__ = [
    "AgeBand",
    "Agency",
    "Ballot",
    "Channel",
    "City",
    "CityPublic",
    "CityWord",
    "ConsentPurpose",
    "ConsentRecord",
    "DeviceCode",
    "DeviceParticipant",
    "EvidenceFile",
    "Idea",
    "IdeaReaction",
    "Indicator",
    "IndicatorValue",
    "MunicipalityType",
    "Participant",
    "PhaseKind",
    "Plan",
    "PlanGoal",
    "PlanIssue",
    "PlanItem",
    "PlanItemChange",
    "PlanItemSource",
    "PlanStatus",
    "PlanVersion",
    "PlanVersionMove",
    "PresenceMiss",
    "ProgressReport",
    "Proposal",
    "ProposalStatus",
    "ReportState",
    "Role",
    "RoundPresence",
    "RoundProposal",
    "RoundStatus",
    "RoundVoter",
    "RunStatus",
    "SheetUpload",
    "StaffAccount",
    "StakeholderGroup",
    "Theme",
    "ThemeMember",
    "ThemeRun",
    "UTCDateTime",
    "VoteRound",
    "VotingCode",
    "Workshop",
    "WorkshopEvent",
    "WorkshopFacilitator",
    "WorkshopPhase",
    "WorkshopStatus",
    "utcnow",
]
