"""Vote rounds, their ballots, and the markers that keep ballots apart from people.

A ballot carries only an HMAC voter key, the voter's stakeholder group and the marks:
no participant id, no name, no timestamp. The participant side keeps only a "has voted"
marker (round_voter). Joining the two needs the server's secret key.
"""

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.domain.eligibility import Eligibility
from app.domain.voting import Method
from app.models.base import UTCDateTime, choice, created_at, utcnow
from app.models.workshop import GROUP_VALUES, StakeholderGroup


class RoundStatus(StrEnum):
    draft = "draft"  # being set up; nobody can vote
    open = "open"
    closed = "closed"  # result frozen with a digest


class VoteRound(SQLModel, table=True):
    """A vote in a workshop (participants vote) or on a city board (one-time codes)."""

    __tablename__ = "vote_round"
    __table_args__ = (
        choice([s.value for s in RoundStatus], "status"),
        choice([m.value for m in Method], "method"),
        choice([e.value for e in Eligibility], "eligibility"),
        # At most one open round per workshop: the phones show one ballot.
        sa.Index(
            "uq_vote_round_workshop_open",
            "workshop_id",
            unique=True,
            sqlite_where=sa.text("status = 'open' AND workshop_id IS NOT NULL"),
            postgresql_where=sa.text("status = 'open' AND workshop_id IS NOT NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    city_id: int = Field(foreign_key="city.id", index=True)
    workshop_id: int | None = Field(default=None, foreign_key="workshop.id", index=True)
    question: str = Field(default="", max_length=300)
    method: Method = Field(default=Method.approval, sa_type=sa.String(10))
    status: RoundStatus = Field(default=RoundStatus.draft, sa_type=sa.String(10))
    dots_per_voter: int | None = None
    max_dots_per_proposal: int | None = None
    max_approvals: int | None = None
    max_ranks: int | None = None
    budget: int | None = Field(default=None, sa_type=sa.BigInteger)
    eligible_groups: list[str] = Field(default_factory=lambda: list(GROUP_VALUES), sa_type=sa.JSON)
    # Which ballots count (see app.domain.eligibility); city-board rounds are always "codes".
    eligibility: Eligibility = Field(default=Eligibility.hall, sa_type=sa.String(10))
    # Hidden until close by default, against bandwagon effects; the facilitator may reveal.
    results_visible: bool = False
    opens_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closes_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    opened_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    ballot_count: int = 0  # frozen at close
    digest: str | None = Field(default=None, max_length=64)  # SHA-256 of the ballots at close
    result: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON)  # frozen tally
    created_by_id: int | None = Field(default=None, foreign_key="staff_account.id")
    created_at: datetime = created_at()

    def status_at(self, now: datetime) -> RoundStatus:
        """The status as of `now`: an online round past its closing time is closed, even in
        the few seconds before the background settler (app.settler) freezes its result."""
        if self.status == RoundStatus.open and self.closes_at is not None and self.closes_at <= now:
            return RoundStatus.closed
        return RoundStatus(self.status)

    @property
    def current_status(self) -> RoundStatus:
        """status_at(now), for pages: they show a due round closed without writing anything."""
        return self.status_at(utcnow())


class RoundProposal(SQLModel, table=True):
    """A proposal on a round's ballot, in display order, with its cost in budget rounds."""

    __tablename__ = "round_proposal"
    __table_args__ = (sa.UniqueConstraint("round_id", "proposal_id"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="vote_round.id", index=True, ondelete="CASCADE")
    proposal_id: int = Field(foreign_key="proposal.id", index=True)
    position: int
    cost: int | None = Field(default=None, sa_type=sa.BigInteger)


class Ballot(SQLModel, table=True):
    """One voter's latest ballot in a round; changing it overwrites the marks.

    The id is random (not a sequence), so it reveals nothing about the order of voting.
    """

    __table_args__ = (
        sa.UniqueConstraint("round_id", "voter_key"),
        choice(GROUP_VALUES, "stakeholder_group"),
    )

    id: str = Field(primary_key=True, max_length=32)
    round_id: int = Field(foreign_key="vote_round.id", index=True, ondelete="CASCADE")
    voter_key: str = Field(max_length=64)
    stakeholder_group: StakeholderGroup = Field(sa_type=sa.String(20))
    marks: dict[str, int] = Field(default_factory=dict, sa_type=sa.JSON)  # proposal id -> value
    receipt_hash: str = Field(max_length=64, index=True)


class RoundVoter(SQLModel, table=True):
    """The participant side of a vote: only "has voted", never which ballot.

    No surrogate id, no timestamp and (on SQLite) no rowid, so insertion order links nothing.
    """

    __tablename__ = "round_voter"
    __table_args__ = ({"sqlite_with_rowid": False},)

    round_id: int = Field(foreign_key="vote_round.id", primary_key=True, ondelete="CASCADE")
    participant_id: int = Field(foreign_key="participant.id", primary_key=True, ondelete="CASCADE")


class VotingCode(SQLModel, table=True):
    """A one-time code for an online round; only its hash is stored.

    The first browser to use a code claims it (claim_hash); only that browser may vote
    with it again, to change its ballot. A code issued to a staff-verified voter carries
    the group the staff member recorded.
    """

    __tablename__ = "voting_code"
    __table_args__ = (sa.UniqueConstraint("round_id", "code_hash"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="vote_round.id", index=True, ondelete="CASCADE")
    code_hash: str = Field(max_length=64)
    claim_hash: str | None = Field(default=None, max_length=64)
    stakeholder_group: str | None = Field(default=None, max_length=20)
    verified_by_id: int | None = Field(default=None, foreign_key="staff_account.id")
