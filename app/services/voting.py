"""The skeleton's simple vote: one vote per participant per proposal, in rounds a facilitator runs."""

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.domain.tally import CastVote, RankedProposal, rank_proposals
from app.errors import Conflict, NotFound
from app.i18n import gettext as _
from app.models import Participant, Proposal, RoundStatus, Vote, VoteRound, Workshop, utcnow
from app.security import keyed_hash
from app.services import live
from app.services import proposals as proposal_service
from app.services.workshops import ensure_open


def open_round(session: Session, workshop: Workshop) -> VoteRound:
    ensure_open(workshop)
    if open_round_of(session, workshop) is not None:
        raise Conflict(_("A vote is already open in this workshop."))
    if not proposal_service.for_workshop(session, workshop):
        raise Conflict(_("Promote at least one idea to a proposal before opening a vote."))
    vote_round = VoteRound(workshop_id=workshop.id or 0)
    session.add(vote_round)
    session.flush()
    live.emit(session, workshop.id or 0, live.Kind.VOTE)
    return vote_round


def close_round(session: Session, workshop: Workshop) -> VoteRound:
    vote_round = open_round_of(session, workshop)
    if vote_round is None:
        raise Conflict(_("There is no open vote to close."))
    vote_round.status = RoundStatus.closed
    vote_round.closed_at = utcnow()
    session.add(vote_round)
    session.flush()
    live.emit(session, workshop.id or 0, live.Kind.VOTE)
    return vote_round


def open_round_of(session: Session, workshop: Workshop) -> VoteRound | None:
    query = select(VoteRound).where(
        VoteRound.workshop_id == workshop.id, VoteRound.status == RoundStatus.open
    )
    return session.exec(query).first()


def latest_round(session: Session, workshop: Workshop) -> VoteRound | None:
    query = (
        select(VoteRound)
        .where(VoteRound.workshop_id == workshop.id)
        .order_by(col(VoteRound.id).desc())
    )
    return session.exec(query).first()


def voter_key(secret_key: str, vote_round: VoteRound, participant: Participant) -> str:
    return keyed_hash(secret_key, "vote", vote_round.id, participant.token)


def cast_vote(
    session: Session,
    workshop: Workshop,
    participant: Participant,
    proposal_id: int,
    *,
    secret_key: str,
) -> Vote:
    """Record one vote; a repeated vote (double tap, replayed form) returns the vote already cast."""
    ensure_open(workshop)
    vote_round = open_round_of(session, workshop)
    if vote_round is None:
        raise Conflict(_("Voting is not open right now."))
    proposal = session.get(Proposal, proposal_id)
    if proposal is None or proposal.workshop_id != workshop.id:
        raise NotFound(_("This proposal is not on this workshop's ballot."))
    key = voter_key(secret_key, vote_round, participant)
    existing_query = select(Vote).where(
        Vote.round_id == vote_round.id, Vote.proposal_id == proposal_id, Vote.voter_key == key
    )
    existing = session.exec(existing_query).first()
    if existing is not None:
        return existing
    vote = Vote(
        round_id=vote_round.id or 0,
        proposal_id=proposal_id,
        voter_key=key,
        stakeholder_group=participant.stakeholder_group,
    )
    try:
        with session.begin_nested():
            session.add(vote)
    except IntegrityError:
        return session.exec(existing_query).one()
    return vote


def voted_proposal_ids(
    session: Session, vote_round: VoteRound, participant: Participant, *, secret_key: str
) -> set[int]:
    key = voter_key(secret_key, vote_round, participant)
    query = select(Vote.proposal_id).where(Vote.round_id == vote_round.id, Vote.voter_key == key)
    return set(session.exec(query).all())


def results(session: Session, vote_round: VoteRound) -> list[RankedProposal]:
    proposal_ids = session.exec(
        select(Proposal.id)
        .where(Proposal.workshop_id == vote_round.workshop_id)
        .order_by(col(Proposal.id))
    ).all()
    votes = session.exec(
        select(Vote.proposal_id, Vote.stakeholder_group).where(Vote.round_id == vote_round.id)
    ).all()
    return rank_proposals(
        [pid for pid in proposal_ids if pid is not None],
        [CastVote(pid, group) for pid, group in votes],
    )
