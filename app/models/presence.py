"""Presence in a round: who may vote in an "in the hall" round, and wrong-code tries.

round_presence is shaped like round_voter: no surrogate id, no time and (on SQLite) no
rowid, and no link to a ballot, so it adds nothing that could join a ballot to a person.
"""

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.models.base import created_at


class RoundPresence(SQLModel, table=True):
    """This participant confirmed presence in this round (code typed or marked at the door)."""

    __tablename__ = "round_presence"
    __table_args__ = ({"sqlite_with_rowid": False},)

    round_id: int = Field(foreign_key="vote_round.id", primary_key=True, ondelete="CASCADE")
    participant_id: int = Field(foreign_key="participant.id", primary_key=True, ondelete="CASCADE")


class PresenceMiss(SQLModel, table=True):
    """A wrong presence code, kept for the per-participant limit on guessing."""

    __tablename__ = "presence_miss"
    __table_args__ = (sa.Index("ix_presence_miss_round_participant", "round_id", "participant_id"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="vote_round.id", ondelete="CASCADE")
    participant_id: int = Field(foreign_key="participant.id", ondelete="CASCADE")
    created_at: datetime = created_at()
