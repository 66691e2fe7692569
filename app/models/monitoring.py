"""Monitoring a plan: agencies, indicators and their values, progress reports, evidence.

Plan items themselves (app.models.plan) carry the monitoring fields, so the plan record
grows in one place.
"""

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.domain.monitoring import Direction, ItemStatus
from app.models.base import UTCDateTime, choice, created_at


class ReportState(StrEnum):
    draft = "draft"  # being written by the agency
    submitted = "submitted"  # waiting for a planner
    published = "published"  # on the public dashboard


class Agency(SQLModel, table=True):
    """A municipal division or outside body responsible for plan items."""

    __table_args__ = (sa.UniqueConstraint("city_id", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    city_id: int = Field(foreign_key="city.id", index=True)
    name: str = Field(max_length=200)


class Indicator(SQLModel, table=True):
    """A measure with a baseline and a target: city-wide (plan_item_id empty) or for one item."""

    __table_args__ = (choice([d.value for d in Direction], "direction"),)

    id: int | None = Field(default=None, primary_key=True)
    city_id: int = Field(foreign_key="city.id", index=True)
    plan_item_id: int | None = Field(default=None, foreign_key="plan_item.id", index=True)
    library_key: str | None = Field(default=None, max_length=40)  # adopted from the library
    dimension: str = Field(default="", max_length=40)
    name_th: str = Field(max_length=200)
    name_en: str = Field(default="", max_length=200)
    unit: str = Field(default="", max_length=40)
    direction: Direction = Field(default=Direction.higher_is_better, sa_type=sa.String(10))
    baseline_value: float | None = None
    baseline_date: date | None = None
    target_value: float | None = None
    target_date: date | None = None
    data_source: str = Field(default="", max_length=200)
    agency_id: int | None = Field(default=None, foreign_key="agency.id")
    created_at: datetime = created_at()


class IndicatorValue(SQLModel, table=True):
    """An indicator's value for one reporting period (a fiscal quarter or year)."""

    __tablename__ = "indicator_value"
    __table_args__ = (sa.UniqueConstraint("indicator_id", "period_key"),)

    id: int | None = Field(default=None, primary_key=True)
    indicator_id: int = Field(foreign_key="indicator.id", index=True, ondelete="CASCADE")
    period_key: str = Field(max_length=10)  # "2569-Q1" or "2569"
    value: float
    published: bool = False
    recorded_by_id: int | None = Field(default=None, foreign_key="staff_account.id")
    created_at: datetime = created_at()


class ProgressReport(SQLModel, table=True):
    """How one plan item stood at the end of one period, as its agency reported it."""

    __tablename__ = "progress_report"
    __table_args__ = (
        sa.UniqueConstraint("plan_item_id", "period_key"),
        choice([s.value for s in ItemStatus], "status"),
        choice([s.value for s in ReportState], "state"),
        sa.CheckConstraint("percent IS NULL OR (percent >= 0 AND percent <= 100)", name="percent"),
        sa.CheckConstraint("budget_spent IS NULL OR budget_spent >= 0", name="budget_spent"),
    )

    id: int | None = Field(default=None, primary_key=True)
    plan_item_id: int = Field(foreign_key="plan_item.id", index=True)
    period_key: str = Field(max_length=10)
    period_end: date  # orders reports in time ("2569" ends after "2569-Q3")
    status: ItemStatus = Field(sa_type=sa.String(12))
    percent: float | None = None
    budget_spent: int | None = Field(default=None, sa_type=sa.BigInteger)
    narrative: str = Field(default="", sa_type=sa.Text)
    state: ReportState = Field(default=ReportState.submitted, sa_type=sa.String(10))
    submitted_by_id: int | None = Field(default=None, foreign_key="staff_account.id")
    published_by_id: int | None = Field(default=None, foreign_key="staff_account.id")
    published_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = created_at()
    updated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class EvidenceFile(SQLModel, table=True):
    """A photo or PDF behind a report; checked by content on upload, size-limited."""

    __tablename__ = "evidence_file"

    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="progress_report.id", index=True, ondelete="CASCADE")
    filename: str = Field(max_length=120)
    media_type: str = Field(max_length=40)
    size: int
    data: bytes = Field(sa_type=sa.LargeBinary)
    created_at: datetime = created_at()


class SheetUpload(SQLModel, table=True):
    """A spreadsheet between preview and import (deleted once imported)."""

    __tablename__ = "sheet_upload"

    id: int | None = Field(default=None, primary_key=True)
    city_id: int = Field(foreign_key="city.id", index=True)
    filename: str = Field(max_length=200)
    data: bytes = Field(sa_type=sa.LargeBinary)
    created_by_id: int | None = Field(default=None, foreign_key="staff_account.id")
    created_at: datetime = created_at()
