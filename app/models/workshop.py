import secrets
from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.domain.join_codes import ALPHABET
from app.models.base import UTCDateTime, choice, created_at


class WorkshopStatus(StrEnum):
    open = "open"
    closed = "closed"


class StakeholderGroup(StrEnum):
    resident = "resident"
    public_agency = "public_agency"
    business = "business"
    civil_society = "civil_society"
    academia = "academia"


class Channel(StrEnum):
    phone = "phone"
    paper = "paper"


class PhaseKind(StrEnum):
    ideation = "ideation"
    themes = "themes"
    voting = "voting"
    wrap_up = "wrap_up"
    custom = "custom"


class AgeBand(StrEnum):
    under_18 = "under_18"
    age_18_25 = "18_25"
    age_26_40 = "26_40"
    age_41_60 = "41_60"
    over_60 = "over_60"


GROUP_VALUES = [g.value for g in StakeholderGroup]


class Workshop(SQLModel, table=True):
    __table_args__ = (choice([s.value for s in WorkshopStatus], "status"),)

    id: int | None = Field(default=None, primary_key=True)
    city_id: int = Field(foreign_key="city.id", index=True)
    title: str = Field(max_length=200)
    description: str = Field(default="", sa_type=sa.Text)
    held_on: date | None = None
    # After this day the participants' personal data is erased (app.services.privacy.purge);
    # unset: RETENTION_YEARS after the workshop's date (or its creation).
    retain_until: date | None = None
    venue: str = Field(default="", max_length=200)
    language: str = Field(default="th", max_length=5)
    # Stakeholder groups invited (a subset of StakeholderGroup values), for the join screen.
    invited_groups: list[str] = Field(default_factory=lambda: list(GROUP_VALUES), sa_type=sa.JSON)
    join_code: str = Field(max_length=8, unique=True)
    status: WorkshopStatus = Field(default=WorkshopStatus.open, sa_type=sa.String(10))
    posting_locked: bool = False
    current_phase_id: int | None = Field(
        default=None,
        sa_column=sa.Column(
            sa.Integer,
            sa.ForeignKey("workshop_phase.id", use_alter=True, ondelete="SET NULL"),
            nullable=True,
        ),
    )
    # The shared countdown: running while timer_ends_at is set, paused while only
    # timer_remaining_seconds is.
    timer_ends_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    timer_remaining_seconds: int | None = None
    # Last number given to a live event of this workshop (see WorkshopEvent).
    event_seq: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    created_by_id: int | None = Field(default=None, foreign_key="staff_account.id")
    created_at: datetime = created_at()


class WorkshopPhase(SQLModel, table=True):
    """One step of a workshop's agenda; the order is (position, id)."""

    __tablename__ = "workshop_phase"
    __table_args__ = (choice([k.value for k in PhaseKind], "kind"),)

    id: int | None = Field(default=None, primary_key=True)
    workshop_id: int = Field(foreign_key="workshop.id", index=True, ondelete="CASCADE")
    position: int
    kind: PhaseKind = Field(sa_type=sa.String(20))
    title: str = Field(default="", max_length=120)  # empty: the kind's translated name
    instructions: str = Field(default="", sa_type=sa.Text)
    time_box_minutes: int | None = None


class WorkshopFacilitator(SQLModel, table=True):
    """Staff who may run a workshop; several can run it at once."""

    __tablename__ = "workshop_facilitator"
    __table_args__ = (sa.UniqueConstraint("workshop_id", "account_id"),)

    id: int | None = Field(default=None, primary_key=True)
    workshop_id: int = Field(foreign_key="workshop.id", index=True, ondelete="CASCADE")
    account_id: int = Field(foreign_key="staff_account.id", index=True)
    created_at: datetime = created_at()


class WorkshopEvent(SQLModel, table=True):
    """The change feed behind live screens: every worker polls it, so updates reach
    listeners whichever process took the write. seq is gapless and commit-ordered per
    workshop because it is taken by updating the workshop row (a row lock)."""

    __tablename__ = "workshop_event"
    __table_args__ = (sa.UniqueConstraint("workshop_id", "seq"),)

    id: int | None = Field(default=None, primary_key=True)
    workshop_id: int = Field(foreign_key="workshop.id", ondelete="CASCADE")
    seq: int
    kind: str = Field(max_length=20)
    subject_id: int | None = None
    created_at: datetime = created_at()


REFERENCE_LENGTH = 8


def new_reference() -> str:
    """A participant's reference: random, so that only the phone that shows it can give it."""
    return "".join(secrets.choice(ALPHABET) for _ in range(REFERENCE_LENGTH))


class Participant(SQLModel, table=True):
    """Someone who joined a workshop, or a city's proposal board, from a device; anonymous
    unless they give a name. Exactly one of workshop_id and city_id is set."""

    __table_args__ = (
        choice(GROUP_VALUES, "stakeholder_group"),
        sa.CheckConstraint("(workshop_id IS NULL) <> (city_id IS NULL)", name="one_place"),
    )

    id: int | None = Field(default=None, primary_key=True)
    workshop_id: int | None = Field(default=None, foreign_key="workshop.id", index=True)
    # Set for a participant of the city's proposal board (online, outside any workshop).
    city_id: int | None = Field(default=None, foreign_key="city.id", index=True)
    token: str = Field(max_length=64, unique=True)
    # Shown on the phone's "my data" page; staff find the person by it for a PDPA request.
    reference: str = Field(default_factory=new_reference, max_length=12, unique=True)
    stakeholder_group: StakeholderGroup = Field(sa_type=sa.String(20))
    display_name: str | None = Field(default=None, max_length=80)
    # Optional demographics, kept only with recorded consent (PDPA).
    age_band: AgeBand | None = Field(default=None, sa_type=sa.String(10))
    community: str | None = Field(default=None, max_length=120)
    # Set when the participant's personal data was erased (on request or at the retention
    # date); the row stays, holding only the group, so counts and +1s stay as they were.
    erased_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = created_at()


class Idea(SQLModel, table=True):
    """An idea or comment posted from a phone or typed in from a paper note."""

    __table_args__ = (
        choice(GROUP_VALUES, "stakeholder_group"),
        choice([c.value for c in Channel], "channel"),
        # A double tap or replayed form carries the same key: one idea, not two.
        sa.UniqueConstraint("participant_id", "client_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    workshop_id: int = Field(foreign_key="workshop.id", index=True)
    participant_id: int | None = Field(default=None, foreign_key="participant.id", index=True)
    entered_by_id: int | None = Field(default=None, foreign_key="staff_account.id")
    # A comment is an idea with a parent.
    parent_id: int | None = Field(default=None, foreign_key="idea.id", index=True)
    channel: Channel = Field(default=Channel.phone, sa_type=sa.String(10))
    table_number: int | None = None  # paper notes: the table they came from
    stakeholder_group: StakeholderGroup = Field(sa_type=sa.String(20))
    text: str = Field(sa_type=sa.Text)
    client_key: str | None = Field(default=None, max_length=64)
    hidden: bool = False
    hidden_reason: str | None = Field(default=None, max_length=200)
    hidden_by_id: int | None = Field(default=None, foreign_key="staff_account.id")
    duplicate_of_id: int | None = Field(default=None, foreign_key="idea.id")
    original_text: str | None = Field(default=None, sa_type=sa.Text)  # before a facilitator's fix
    edited_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = created_at()


class IdeaReaction(SQLModel, table=True):
    """A participant's "+1" on an idea; at most one each."""

    __tablename__ = "idea_reaction"
    __table_args__ = (sa.UniqueConstraint("idea_id", "participant_id"),)

    id: int | None = Field(default=None, primary_key=True)
    idea_id: int = Field(foreign_key="idea.id", index=True)
    participant_id: int = Field(foreign_key="participant.id", index=True)
    created_at: datetime = created_at()
