from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.models.base import UTCDateTime, choice, created_at


class RunStatus(StrEnum):
    running = "running"
    done = "done"
    failed = "failed"


class ThemeRun(SQLModel, table=True):
    """One clustering of a workshop's comments: a version the facilitator then polishes.

    It runs in the background; `progress` (0..1) is what the board shows meanwhile.
    """

    __tablename__ = "theme_run"
    __table_args__ = (
        choice([s.value for s in RunStatus], "status"),
        sa.UniqueConstraint("workshop_id", "version"),
    )

    id: int | None = Field(default=None, primary_key=True)
    city_id: int = Field(foreign_key="city.id", index=True)
    # Empty for a run over the city board: every workshop's comments in the city.
    workshop_id: int | None = Field(
        default=None, foreign_key="workshop.id", index=True, ondelete="CASCADE"
    )
    version: int
    status: RunStatus = Field(default=RunStatus.running, sa_type=sa.String(10))
    progress: float = 0.0
    requested_themes: int | None = None  # None: chosen automatically
    comment_count: int = 0
    error_code: str | None = Field(default=None, max_length=40)
    error_params: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON)
    params: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON)
    created_by_id: int | None = Field(default=None, foreign_key="staff_account.id")
    created_at: datetime = created_at()
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Theme(SQLModel, table=True):
    """A group of comments (ประเด็น) in one run; "other" holds those that fit no theme."""

    id: int | None = Field(default=None, primary_key=True)
    city_id: int = Field(foreign_key="city.id", index=True)
    workshop_id: int | None = Field(default=None, foreign_key="workshop.id", index=True)
    run_id: int = Field(foreign_key="theme_run.id", index=True, ondelete="CASCADE")
    position: int = 0
    label: str = Field(max_length=200)
    suggested_label: str = Field(default="", max_length=200)
    keywords: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    representative_ids: list[int] = Field(default_factory=list, sa_type=sa.JSON)  # idea ids
    pinned: bool = False
    is_other: bool = False
    created_at: datetime = created_at()


class ThemeMember(SQLModel, table=True):
    """Which theme of a run a comment is in; `manual` marks a facilitator's move."""

    __tablename__ = "theme_member"

    run_id: int = Field(foreign_key="theme_run.id", primary_key=True, ondelete="CASCADE")
    # Indexed on its own too: provenance and erasure look members up by idea (the key leads
    # with run_id), and deleting an idea cascades here.
    idea_id: int = Field(foreign_key="idea.id", primary_key=True, index=True, ondelete="CASCADE")
    theme_id: int = Field(foreign_key="theme.id", index=True, ondelete="CASCADE")
    manual: bool = False


class CityWord(SQLModel, table=True):
    """A word the default Thai dictionary splits wrongly (a place, a community, a term)."""

    __tablename__ = "city_word"
    __table_args__ = (sa.UniqueConstraint("city_id", "word"),)

    id: int | None = Field(default=None, primary_key=True)
    city_id: int = Field(foreign_key="city.id", index=True)
    word: str = Field(max_length=80)
