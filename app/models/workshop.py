from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.models.base import choice, created_at


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


GROUP_VALUES = [g.value for g in StakeholderGroup]


class Workshop(SQLModel, table=True):
    __table_args__ = (choice([s.value for s in WorkshopStatus], "status"),)

    id: int | None = Field(default=None, primary_key=True)
    city_id: int = Field(foreign_key="city.id", index=True)
    title: str = Field(max_length=200)
    description: str = Field(default="", sa_type=sa.Text)
    held_on: date | None = None
    join_code: str = Field(max_length=8, unique=True)
    status: WorkshopStatus = Field(default=WorkshopStatus.open, sa_type=sa.String(10))
    created_by_id: int | None = Field(default=None, foreign_key="staff_account.id")
    created_at: datetime = created_at()


class Participant(SQLModel, table=True):
    """Someone who joined a workshop from a device; anonymous unless they give a name."""

    __table_args__ = (choice(GROUP_VALUES, "stakeholder_group"),)

    id: int | None = Field(default=None, primary_key=True)
    workshop_id: int = Field(foreign_key="workshop.id", index=True)
    token: str = Field(max_length=64, unique=True)
    stakeholder_group: StakeholderGroup = Field(sa_type=sa.String(20))
    display_name: str | None = Field(default=None, max_length=80)
    created_at: datetime = created_at()


class Idea(SQLModel, table=True):
    """An idea or comment posted from a phone or typed in from a paper note."""

    __table_args__ = (
        choice(GROUP_VALUES, "stakeholder_group"),
        choice([c.value for c in Channel], "channel"),
    )

    id: int | None = Field(default=None, primary_key=True)
    workshop_id: int = Field(foreign_key="workshop.id", index=True)
    participant_id: int | None = Field(default=None, foreign_key="participant.id", index=True)
    entered_by_id: int | None = Field(default=None, foreign_key="staff_account.id")
    channel: Channel = Field(default=Channel.phone, sa_type=sa.String(10))
    stakeholder_group: StakeholderGroup = Field(sa_type=sa.String(20))
    text: str = Field(sa_type=sa.Text)
    theme_id: int | None = Field(default=None, foreign_key="theme.id", index=True)
    hidden: bool = False
    created_at: datetime = created_at()
