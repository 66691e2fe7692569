from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.domain.monitoring import ItemStatus
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
    is_demo: bool = False  # demo data, shown as such on every dashboard
    created_at: datetime = created_at()


class PlanItem(SQLModel, table=True):
    """An agreed priority in a plan, traceable to its proposal and the vote behind it."""

    __tablename__ = "plan_item"
    __table_args__ = (
        sa.UniqueConstraint("plan_id", "proposal_id"),
        choice([s.value for s in ItemStatus], "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    # Empty for items a planner entered or imported directly, without a workshop proposal.
    proposal_id: int | None = Field(default=None, foreign_key="proposal.id", index=True)
    vote_round_id: int | None = Field(default=None, foreign_key="vote_round.id")
    title: str = Field(max_length=200)
    priority: int  # 1 = highest
    votes: int = 0  # votes the proposal had when it was agreed
    # Monitoring (issue 6): who carries it out, with what money, when, and how it stands.
    dimension: str = Field(default="", max_length=40)
    agency_id: int | None = Field(default=None, foreign_key="agency.id", index=True)
    budget_planned: int | None = Field(default=None, sa_type=sa.BigInteger)
    fiscal_year_start: int | None = None  # Buddhist Era, e.g. 2569
    fiscal_year_end: int | None = None
    status: str = Field(default="not_started", max_length=12)
    created_by_id: int | None = Field(default=None, foreign_key="staff_account.id")
    created_at: datetime = created_at()
