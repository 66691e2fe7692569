"""Consent records (PDPA B.E. 2562, section 19): what a participant agreed to, under which
notice, when, and when they took it back. A withdrawn record is kept, as proof of both."""

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.models.base import UTCDateTime, choice, created_at


class ConsentPurpose(StrEnum):
    # Age band and community, used only to report who took part (see the join form).
    demographics = "demographics"


class ConsentRecord(SQLModel, table=True):
    __tablename__ = "consent_record"
    __table_args__ = (choice([p.value for p in ConsentPurpose], "purpose"),)

    id: int | None = Field(default=None, primary_key=True)
    participant_id: int = Field(foreign_key="participant.id", index=True, ondelete="CASCADE")
    purpose: ConsentPurpose = Field(sa_type=sa.String(20))
    notice_version: str = Field(max_length=20)
    given_at: datetime = created_at()
    withdrawn_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
