"""Proposals on a city's board; in the skeleton they come from promoted workshop ideas."""

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.domain.errors import NotFound
from app.i18n import gettext as _
from app.models import Idea, Proposal, StaffAccount, Workshop
from app.services import live

TITLE_LENGTH = 120


def _title_from(text: str) -> str:
    first_line = text.splitlines()[0] if text else ""
    return first_line if len(first_line) <= TITLE_LENGTH else first_line[: TITLE_LENGTH - 1] + "…"


def promote_idea(
    session: Session, workshop: Workshop, idea_id: int, actor: StaffAccount
) -> Proposal:
    """Turn an idea into a proposal; promoting the same idea twice returns the first proposal."""
    idea = session.get(Idea, idea_id)
    if idea is None or idea.workshop_id != workshop.id:
        raise NotFound(_("This idea does not belong to this workshop."))
    existing = session.exec(select(Proposal).where(Proposal.source_idea_id == idea.id)).first()
    if existing is not None:
        return existing
    proposal = Proposal(
        city_id=workshop.city_id,
        workshop_id=workshop.id,
        source_idea_id=idea.id,
        title=_title_from(idea.text),
        description=idea.text,
        created_by_id=actor.id,
    )
    try:
        with session.begin_nested():
            session.add(proposal)
    except IntegrityError:
        # A concurrent click promoted it first: the unique constraint kept one proposal.
        return session.exec(select(Proposal).where(Proposal.source_idea_id == idea.id)).one()
    live.emit(session, workshop.id or 0, live.Kind.VOTE, proposal.id)
    return proposal


def for_workshop(session: Session, workshop: Workshop) -> list[Proposal]:
    query = select(Proposal).where(Proposal.workshop_id == workshop.id).order_by(col(Proposal.id))
    return list(session.exec(query))
