from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.models.base import UTCDateTime, choice, created_at
from app.models.workshop import GROUP_VALUES, StakeholderGroup


class RoundStatus(StrEnum):
    open = "open"
    closed = "closed"


class VoteRound(SQLModel, table=True):
    __tablename__ = "vote_round"
    __table_args__ = (choice([s.value for s in RoundStatus], "status"),)

    id: int | None = Field(default=None, primary_key=True)
    workshop_id: int = Field(foreign_key="workshop.id", index=True)
    status: RoundStatus = Field(default=RoundStatus.open, sa_type=sa.String(10))
    opened_at: datetime = created_at()
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Vote(SQLModel, table=True):
    """One participant's support for one proposal in a round.

    voter_key is an HMAC of the participant's device token: it enforces one vote per
    voter per proposal without storing who voted.
    """

    __table_args__ = (
        sa.UniqueConstraint("round_id", "proposal_id", "voter_key"),
        choice(GROUP_VALUES, "stakeholder_group"),
    )

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="vote_round.id", index=True)
    proposal_id: int = Field(foreign_key="proposal.id", index=True)
    voter_key: str = Field(max_length=64)
    stakeholder_group: StakeholderGroup = Field(sa_type=sa.String(20))
    created_at: datetime = created_at()
