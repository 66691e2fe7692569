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


class ErasedBy(StrEnum):
    participant = "participant"  # from their own phone
    staff = "staff"  # answering a request; staff_account_id says who
    retention = "retention"  # the retention purge


class ErasureRecord(SQLModel, table=True):
    """One erasure, for accountability (PDPA section 39): when, by whom, where, whose reference
    and how many rows changed. No personal data: the reference is the random one the phone
    showed, and the participant row it names holds nothing personal any more. Written only by
    app.services.privacy.erase; nothing edits or deletes it."""

    __tablename__ = "erasure_record"
    __table_args__ = (
        choice([b.value for b in ErasedBy], "erased_by"),
        sa.CheckConstraint("(workshop_id IS NULL) <> (city_id IS NULL)", name="one_place"),
    )

    id: int | None = Field(default=None, primary_key=True)
    erased_at: datetime = created_at()
    erased_by: ErasedBy = Field(sa_type=sa.String(20))
    staff_account_id: int | None = Field(default=None, foreign_key="staff_account.id")
    workshop_id: int | None = Field(default=None, foreign_key="workshop.id", index=True)
    city_id: int | None = Field(default=None, foreign_key="city.id", index=True)
    participant_reference: str = Field(max_length=12)
    fields_cleared: int = 0
    rows_unlinked: int = 0
    rows_deleted: int = 0
    consents_withdrawn: int = 0
