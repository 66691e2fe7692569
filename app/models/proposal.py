from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.models.base import choice, created_at


class ProposalStatus(StrEnum):
    open = "open"
    agreed = "agreed"  # an agreed priority: it has a plan item


class Proposal(SQLModel, table=True):
    __table_args__ = (choice([s.value for s in ProposalStatus], "status"),)

    id: int | None = Field(default=None, primary_key=True)
    city_id: int = Field(foreign_key="city.id", index=True)
    workshop_id: int | None = Field(default=None, foreign_key="workshop.id", index=True)
    # An idea is promoted at most once; the unique constraint makes a double click harmless.
    source_idea_id: int | None = Field(default=None, foreign_key="idea.id", unique=True)
    # A proposal made from a theme carries the theme's comments as its evidence.
    source_theme_id: int | None = Field(default=None, foreign_key="theme.id")
    title: str = Field(max_length=200)
    description: str = Field(default="", sa_type=sa.Text)
    category: str | None = Field(default=None, max_length=80)
    place: str | None = Field(default=None, max_length=200)
    status: ProposalStatus = Field(default=ProposalStatus.open, sa_type=sa.String(10))
    created_by_id: int | None = Field(default=None, foreign_key="staff_account.id")
    created_at: datetime = created_at()
