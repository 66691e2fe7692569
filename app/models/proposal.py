from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.models.base import UTCDateTime, choice, created_at
from app.models.workshop import GROUP_VALUES, StakeholderGroup


class ProposalStatus(StrEnum):
    open = "open"
    shortlisted = "shortlisted"
    selected = "selected"
    not_selected = "not_selected"
    merged = "merged"  # merged_into_id names the proposal that carries it on
    withdrawn = "withdrawn"
    agreed = "agreed"  # an agreed priority: it has a plan item


class ProposalOrigin(StrEnum):
    idea = "idea"  # promoted from one or several workshop ideas
    theme = "theme"
    online = "online"  # proposed on the city's board
    paper = "paper"  # typed in by staff from a paper form


class ProposalCategory(SQLModel, table=True):
    """A category a city's proposals may take: by default the six development dimensions of
    the programme (the same codes as PlanItem.dimension), configurable per city."""

    __tablename__ = "proposal_category"
    __table_args__ = (sa.UniqueConstraint("city_id", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    city_id: int = Field(foreign_key="city.id", index=True)
    code: str = Field(max_length=40)
    name: str = Field(default="", max_length=80)  # empty: the dimension's translated name
    position: int = 0


class Proposal(SQLModel, table=True):
    __table_args__ = (
        choice([s.value for s in ProposalStatus], "status"),
        choice([o.value for o in ProposalOrigin], "origin"),
        choice(GROUP_VALUES, "author_group"),
        sa.CheckConstraint("estimated_cost IS NULL OR estimated_cost >= 0", name="cost"),
        # A map point is both coordinates or neither, inside Thailand (domain.proposal_board).
        sa.CheckConstraint("(latitude IS NULL) = (longitude IS NULL)", name="map_point_pair"),
        sa.CheckConstraint(
            "latitude IS NULL OR (latitude BETWEEN 5.6 AND 20.5 AND longitude BETWEEN 97.3 AND 105.7)",
            name="map_point_thailand",
        ),
        # The board's orders: most supported and most discussed within a city.
        sa.Index("ix_proposal_city_support", "city_id", "support_count", "id"),
        sa.Index("ix_proposal_city_comments", "city_id", "comment_count", "id"),
        # The board's count (every status but merged) from the index alone.
        sa.Index("ix_proposal_city_status", "city_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    city_id: int = Field(foreign_key="city.id", index=True)
    workshop_id: int | None = Field(default=None, foreign_key="workshop.id", index=True)
    # An idea is promoted at most once; the unique constraint makes a double click harmless.
    source_idea_id: int | None = Field(default=None, foreign_key="idea.id", unique=True)
    # A proposal made from a theme carries the theme's comments as its evidence.
    source_theme_id: int | None = Field(default=None, foreign_key="theme.id")
    title: str = Field(max_length=200)
    description: str = Field(default="", sa_type=sa.Text)  # the proposal's body
    category: str | None = Field(default=None, max_length=80)  # a ProposalCategory code
    place: str | None = Field(default=None, max_length=200)
    # An optional map point (WGS 84 degrees, 6 decimals: about 10 cm).
    latitude: float | None = None
    longitude: float | None = None
    estimated_cost: int | None = Field(default=None, sa_type=sa.BigInteger)  # baht
    origin: ProposalOrigin = Field(
        default=ProposalOrigin.idea,
        sa_type=sa.String(10),
        sa_column_kwargs={"server_default": "idea"},
    )
    status: ProposalStatus = Field(default=ProposalStatus.open, sa_type=sa.String(20))
    status_reason: str = Field(default="", max_length=300, sa_column_kwargs={"server_default": ""})
    merged_into_id: int | None = Field(default=None, foreign_key="proposal.id")
    # The author when a participant proposed it on the board (personal data: erased with them).
    author_participant_id: int | None = Field(
        default=None, foreign_key="participant.id", index=True
    )
    author_group: StakeholderGroup | None = Field(default=None, sa_type=sa.String(20))
    # Kept with every support and comment change, so lists sort without counting.
    support_count: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    comment_count: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    created_by_id: int | None = Field(default=None, foreign_key="staff_account.id")
    created_at: datetime = created_at()
    updated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ProposalIdea(SQLModel, table=True):
    """The ideas a proposal was made from, when staff promote several ideas into one."""

    __tablename__ = "proposal_idea"

    id: int | None = Field(default=None, primary_key=True)
    proposal_id: int = Field(foreign_key="proposal.id", index=True, ondelete="CASCADE")
    idea_id: int = Field(foreign_key="idea.id", unique=True)


class ProposalChange(SQLModel, table=True):
    """One edit of a proposal, kept for its public history: who, when, what, why."""

    __tablename__ = "proposal_change"

    id: int | None = Field(default=None, primary_key=True)
    proposal_id: int = Field(foreign_key="proposal.id", index=True, ondelete="CASCADE")
    staff_account_id: int | None = Field(default=None, foreign_key="staff_account.id")
    # Set when the author (a participant) made the change (personal data: erased with them).
    author_participant_id: int | None = Field(
        default=None, foreign_key="participant.id", index=True
    )
    action: str = Field(max_length=20)  # created, edited, status, merged, merged_from
    # {"field": [old, new], ...}
    changes: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    reason: str = Field(default="", max_length=300)
    created_at: datetime = created_at()


class ProposalSupport(SQLModel, table=True):
    """A participant's support of a proposal; the unique constraint makes it one each."""

    __tablename__ = "proposal_support"
    __table_args__ = (
        sa.UniqueConstraint("proposal_id", "participant_id"),
        choice(GROUP_VALUES, "stakeholder_group"),
        # Supporters per group of a page of proposals, counted from the index alone.
        sa.Index("ix_proposal_support_proposal_group", "proposal_id", "stakeholder_group"),
    )

    id: int | None = Field(default=None, primary_key=True)
    proposal_id: int = Field(foreign_key="proposal.id")
    participant_id: int = Field(foreign_key="participant.id", index=True)
    stakeholder_group: StakeholderGroup = Field(sa_type=sa.String(20))
    created_at: datetime = created_at()


class ProposalComment(SQLModel, table=True):
    """A comment on a proposal, or a reply to one (one level: a reply has no replies)."""

    __tablename__ = "proposal_comment"
    __table_args__ = (choice(GROUP_VALUES, "stakeholder_group"),)

    id: int | None = Field(default=None, primary_key=True)
    proposal_id: int = Field(foreign_key="proposal.id", index=True)
    parent_id: int | None = Field(default=None, foreign_key="proposal_comment.id", index=True)
    # Personal data, erased with the participant.
    author_participant_id: int | None = Field(
        default=None, foreign_key="participant.id", index=True
    )
    author_staff_id: int | None = Field(default=None, foreign_key="staff_account.id")
    stakeholder_group: StakeholderGroup | None = Field(default=None, sa_type=sa.String(20))
    text: str = Field(sa_type=sa.Text)
    hidden: bool = False
    hidden_reason: str | None = Field(default=None, max_length=200)
    hidden_by_id: int | None = Field(default=None, foreign_key="staff_account.id")
    # The abusive-word screen holds a comment until staff look at it; it is not dropped.
    held_for_review: bool = False
    flag_count: int = 0
    edited_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Deleted by its author: the text is erased; it shows only while it has replies.
    deleted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = created_at()


class CommentFlag(SQLModel, table=True):
    """Someone's report that a comment breaks the rules; one each."""

    __tablename__ = "proposal_comment_flag"
    __table_args__ = (sa.UniqueConstraint("comment_id", "participant_id"),)

    id: int | None = Field(default=None, primary_key=True)
    comment_id: int = Field(foreign_key="proposal_comment.id", index=True)
    participant_id: int = Field(foreign_key="participant.id", index=True)
    created_at: datetime = created_at()


# The full-text index of proposals and comments (app.services.board_search): an FTS5 virtual
# table on SQLite (with its shadow tables board_search_data, _idx, ...), a table with a
# tsvector column and a GIN index on PostgreSQL. Created by migration 0012, not a model.
SEARCH_INDEX = "board_search"


def is_search_index(name: str | None) -> bool:
    """Whether a table or index belongs to the search index (left out of model comparisons)."""
    return bool(name) and (name or "").startswith((SEARCH_INDEX, "ix_" + SEARCH_INDEX))


# --- the JSON API's shapes (public: no personal data) ------------------------------------------


class ProposalPublic(SQLModel):
    id: int
    title: str
    body: str
    category: str | None
    place: str | None
    latitude: float | None
    longitude: float | None
    estimated_cost: int | None
    origin: str
    status: str
    status_reason: str
    author_group: str | None
    workshop_id: int | None
    merged_into_id: int | None
    support_count: int
    comment_count: int
    supporters_by_group: dict[str, int]
    created_at: datetime
    url: str
    snippet: str | None = None  # the matched text with matches in <mark> (HTML-escaped)


class ProposalPage(SQLModel):
    total: int
    page: int
    pages: int
    page_size: int
    items: list[ProposalPublic]


class ChangePublic(SQLModel):
    action: str
    changes: dict[str, Any]
    reason: str
    created_at: datetime


class ProposalDetail(ProposalPublic):
    history: list[ChangePublic]
    round_ids: list[int]
    idea_ids: list[int]
    theme_id: int | None


class CommentPublic(SQLModel):
    id: int
    parent_id: int | None
    stakeholder_group: str | None
    text: str  # empty once deleted
    deleted: bool = False  # deleted by its author; shown only because it has replies
    edited_at: datetime | None
    created_at: datetime
    replies: list["CommentPublic"] = []


class CommentIn(SQLModel):
    text: str
    parent_id: int | None = None


class SupportIn(SQLModel):
    support: bool = True


class SupportResult(SQLModel):
    supported: bool
    support_count: int
    supporters_by_group: dict[str, int]


class ProposalImage(SQLModel, table=True):
    """A photo of a proposal, re-encoded without metadata (app.domain.evidence.clean_photo)."""

    __tablename__ = "proposal_image"

    id: int | None = Field(default=None, primary_key=True)
    proposal_id: int = Field(foreign_key="proposal.id", index=True, ondelete="CASCADE")
    media_type: str = Field(max_length=40)
    width: int
    height: int
    data: bytes = Field(sa_type=sa.LargeBinary)
    thumbnail: bytes = Field(sa_type=sa.LargeBinary)
    # Who added it (personal data: erased with the participant).
    author_participant_id: int | None = Field(
        default=None, foreign_key="participant.id", index=True
    )
    staff_account_id: int | None = Field(default=None, foreign_key="staff_account.id")
    created_at: datetime = created_at()
