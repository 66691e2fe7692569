from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.models.base import choice, created_at


class PlanStatus(StrEnum):
    draft = "draft"
    adopted = "adopted"


class Plan(SQLModel, table=True):
    """A city's development plan record; at most one draft per city at a time."""

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
    status: PlanStatus = Field(default=PlanStatus.draft, sa_type=sa.String(10))
    created_at: datetime = created_at()


class PlanItem(SQLModel, table=True):
    """An agreed priority in a plan, traceable to its proposal and the vote behind it."""

    __tablename__ = "plan_item"
    __table_args__ = (sa.UniqueConstraint("plan_id", "proposal_id"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    proposal_id: int = Field(foreign_key="proposal.id", index=True)
    vote_round_id: int | None = Field(default=None, foreign_key="vote_round.id")
    title: str = Field(max_length=200)
    priority: int  # 1 = highest
    votes: int = 0  # votes the proposal had when it was agreed
    created_by_id: int | None = Field(default=None, foreign_key="staff_account.id")
    created_at: datetime = created_at()
