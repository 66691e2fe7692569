from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.domain.monitoring import ItemStatus
from app.models.base import UTCDateTime, choice, created_at
from app.models.workshop import GROUP_VALUES, StakeholderGroup


class PlanStatus(StrEnum):
    """The state of a plan's current version: draft → public consultation → adopted."""

    draft = "draft"
    consultation = "consultation"
    adopted = "adopted"


PUBLISHED = (PlanStatus.consultation, PlanStatus.adopted)


class Plan(SQLModel, table=True):
    """A city's local development plan for a span of fiscal years; at most one draft per city
    at a time. Its items, issues and goals are the current version's content: editable only
    while that version is a draft; earlier versions are frozen snapshots (PlanVersion)."""

    __table_args__ = (
        choice([s.value for s in PlanStatus], "status"),
        sa.Index(
            "uq_plan_city_draft",
            "city_id",
            unique=True,
            sqlite_where=sa.text("status = 'draft'"),
            postgresql_where=sa.text("status = 'draft'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    city_id: int = Field(foreign_key="city.id", index=True)
    title: str = Field(max_length=200)
    status: PlanStatus = Field(default=PlanStatus.draft, sa_type=sa.String(12))
    first_year: int | None = None  # fiscal years covered, Buddhist Era (2566-2570)
    last_year: int | None = None
    vision: str = Field(default="", sa_type=sa.Text)
    is_demo: bool = False  # demo data, shown as such on every dashboard
    created_at: datetime = created_at()


class PlanVersion(SQLModel, table=True):
    """One version of a plan. A draft's content is the plan's live rows; moving it to
    consultation or adoption freezes that content into `snapshot` (read-only from then on)."""

    __tablename__ = "plan_version"
    __table_args__ = (
        sa.UniqueConstraint("plan_id", "number"),
        choice([s.value for s in PlanStatus], "state"),
    )

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True, ondelete="CASCADE")
    number: int  # 1, 2, 3 ... per plan
    state: PlanStatus = Field(default=PlanStatus.draft, sa_type=sa.String(12))
    snapshot: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON(none_as_null=True))
    created_by_id: int | None = Field(default=None, foreign_key="staff_account.id")
    created_at: datetime = created_at()


class PlanVersionMove(SQLModel, table=True):
    """A version moved to a state: when, by whom, and the planner's note."""

    __tablename__ = "plan_version_move"
    __table_args__ = (choice([s.value for s in PlanStatus], "state"),)

    id: int | None = Field(default=None, primary_key=True)
    version_id: int = Field(foreign_key="plan_version.id", index=True, ondelete="CASCADE")
    state: PlanStatus = Field(sa_type=sa.String(12))
    note: str = Field(default="", sa_type=sa.Text)
    moved_by_id: int | None = Field(default=None, foreign_key="staff_account.id")
    moved_at: datetime = created_at()


class PlanIssue(SQLModel, table=True):
    """A strategic issue of the plan, under one development dimension."""

    __tablename__ = "plan_issue"

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True, ondelete="CASCADE")
    dimension: str = Field(default="", max_length=40)
    title: str = Field(max_length=300)
    position: int = 1


class PlanGoal(SQLModel, table=True):
    __tablename__ = "plan_goal"

    id: int | None = Field(default=None, primary_key=True)
    issue_id: int = Field(foreign_key="plan_issue.id", index=True, ondelete="CASCADE")
    title: str = Field(max_length=300)
    position: int = 1


class PlanItem(SQLModel, table=True):
    """A project or measure of a plan, traceable to its proposals and the votes behind them."""

    __tablename__ = "plan_item"
    __table_args__ = (
        sa.UniqueConstraint("plan_id", "proposal_id"),
        choice([s.value for s in ItemStatus], "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    # The first proposal behind it (more in plan_item_source); empty for items a planner
    # entered or imported directly.
    proposal_id: int | None = Field(default=None, foreign_key="proposal.id", index=True)
    vote_round_id: int | None = Field(default=None, foreign_key="vote_round.id")
    goal_id: int | None = Field(default=None, foreign_key="plan_goal.id", index=True)
    title: str = Field(max_length=200)
    description: str = Field(default="", sa_type=sa.Text)
    place: str | None = Field(default=None, max_length=200)
    funding_source: str | None = Field(default=None, max_length=200)
    priority: int  # 1 = highest, 1..N without gaps
    votes: int = 0  # votes the proposal had when it was agreed
    # Monitoring (issue 6): who carries it out, with what money, when, and how it stands.
    dimension: str = Field(default="", max_length=40)
    agency_id: int | None = Field(default=None, foreign_key="agency.id", index=True)
    budget_planned: int | None = Field(default=None, sa_type=sa.BigInteger)
    fiscal_year_start: int | None = None  # Buddhist Era, e.g. 2569
    fiscal_year_end: int | None = None
    status: str = Field(default="not_started", max_length=12)
    # Optimistic concurrency: a save names the revision it edited; another save in between
    # bumped it, and the late one is refused with the other change shown.
    revision: int = 1
    removed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # left out of a draft
    created_by_id: int | None = Field(default=None, foreign_key="staff_account.id")
    created_at: datetime = created_at()


class PlanItemSource(SQLModel, table=True):
    """A proposal agreed into an item from a closed vote round, with the planner's rationale."""

    __tablename__ = "plan_item_source"
    __table_args__ = (sa.UniqueConstraint("item_id", "proposal_id"),)

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="plan_item.id", index=True, ondelete="CASCADE")
    proposal_id: int = Field(foreign_key="proposal.id", index=True)
    vote_round_id: int | None = Field(default=None, foreign_key="vote_round.id", index=True)
    rationale: str = Field(default="", sa_type=sa.Text)
    support: float | None = None  # the proposal's score by the round's first rule
    rank: int | None = None
    created_by_id: int | None = Field(default=None, foreign_key="staff_account.id")
    created_at: datetime = created_at()


class PlanItemChange(SQLModel, table=True):
    """One saved change to an item: who, when, which fields from what to what, and why."""

    __tablename__ = "plan_item_change"

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="plan_item.id", index=True, ondelete="CASCADE")
    revision: int  # the item's revision after this change
    changes: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)  # field: [old, new]
    reason: str = Field(default="", sa_type=sa.Text)
    actor_id: int | None = Field(default=None, foreign_key="staff_account.id")
    created_at: datetime = created_at()


class PlanComment(SQLModel, table=True):
    """A resident's comment on a version in public consultation, on one item (`item_id`) or
    on the plan as a whole; kept, read-only, once the version leaves consultation."""

    __tablename__ = "plan_comment"
    __table_args__ = (choice(GROUP_VALUES, "stakeholder_group"),)

    id: int | None = Field(default=None, primary_key=True)
    version_id: int = Field(foreign_key="plan_version.id", index=True, ondelete="CASCADE")
    item_id: int | None = Field(default=None, foreign_key="plan_item.id", index=True)
    # Personal data, erased with the participant (the text stays, anonymous).
    author_participant_id: int | None = Field(
        default=None, foreign_key="participant.id", index=True
    )
    stakeholder_group: StakeholderGroup = Field(sa_type=sa.String(20))
    text: str = Field(sa_type=sa.Text)
    hidden: bool = False
    hidden_reason: str | None = Field(default=None, max_length=200)
    hidden_by_id: int | None = Field(default=None, foreign_key="staff_account.id")
    # The board's abusive-word screen holds a comment until staff look at it.
    held_for_review: bool = False
    created_at: datetime = created_at()


# --- open data (the /api/v1 shapes; published versions only) ---------------------------------


class LinkPublic(SQLModel):
    kind: str  # round, proposal, idea, note, comment, theme
    id: int
    label: str
    url: str | None = None


class ProvenanceStepPublic(SQLModel):
    proposal: LinkPublic
    rationale: str
    vote_round: LinkPublic | None
    digest: str | None  # SHA-256 of the round's ballots, to check against its exported files
    support: float | None
    rule: str | None
    rank: int | None
    contributions: list[LinkPublic]
    themes: list[LinkPublic]


class ProvenancePublic(SQLModel):
    item_id: int
    people: int
    groups: list[str]
    steps: list[ProvenanceStepPublic]


class PlanItemPublic(SQLModel):
    id: int
    priority: int
    title: str
    description: str = ""
    place: str | None = None
    dimension: str = ""
    goal: str | None = None
    agency: str | None = None
    budget_planned: int | None = None  # baht
    funding_source: str | None = None
    fiscal_year_start: int | None = None  # Buddhist Era
    fiscal_year_end: int | None = None
    proposals: list[int] = []
    provenance: ProvenancePublic | None = None


class PlanVersionPublic(SQLModel):
    number: int
    state: str  # consultation or adopted
    moved_at: datetime | None = None  # when it reached that state (ISO 8601, UTC)


class PlanIssuePublic(SQLModel):
    dimension: str
    title: str
    goals: list[str] = []


class PlanPublic(SQLModel):
    city: str
    plan_id: int
    title: str
    first_year: int | None  # Buddhist Era
    last_year: int | None
    version: PlanVersionPublic
    vision: str = ""
    issues: list[PlanIssuePublic] = []
    items: list[PlanItemPublic] = []
