"""The change feed that live screens follow (see WorkshopEvent), and a city board's revision
(the same idea for the proposal board's cached pages)."""

from sqlalchemy import update
from sqlmodel import Session, col, select

from app.models import City, Workshop, WorkshopEvent


class Kind:
    IDEA = "idea"  # a new idea or comment: subject is the idea
    WALL = "wall"  # moderation changed what the wall shows
    REACTION = "reaction"  # a +1 changed: subject is the idea
    STATE = "state"  # phase, timer, posting lock or open/closed changed
    JOINED = "joined"  # a participant joined: subject is the participant
    VOTE = "vote"  # a vote opened or closed, or proposals changed: subject is a new proposal
    SPOTLIGHT = "spotlight"  # the projector shows one idea (subject), or the wall again (none)


def emit(session: Session, workshop_id: int, kind: str, subject_id: int | None = None) -> int:
    """Append an event; call it last before commit.

    The sequence number comes from UPDATE ... RETURNING on the workshop row, which holds
    that row's lock until commit, so events of one workshop commit in sequence order and a
    reader that has seen seq n never later finds an n-1 appear.
    """
    seq = session.execute(
        update(Workshop)
        .where(col(Workshop.id) == workshop_id)
        .values(event_seq=col(Workshop.event_seq) + 1)
        .returning(col(Workshop.event_seq))
        .execution_options(synchronize_session=False)
    ).scalar_one()
    session.add(WorkshopEvent(workshop_id=workshop_id, seq=seq, kind=kind, subject_id=subject_id))
    session.flush()
    return int(seq)


def events_after(
    session: Session, workshop_ids: list[int], after: dict[int, int], *, limit: int = 500
) -> list[WorkshopEvent]:
    """Events with seq above each workshop's cursor, oldest first."""
    if not workshop_ids:
        return []
    clauses = [
        (col(WorkshopEvent.workshop_id) == wid) & (col(WorkshopEvent.seq) > after.get(wid, 0))
        for wid in workshop_ids
    ]
    condition = clauses[0]
    for clause in clauses[1:]:
        condition = condition | clause
    query = (
        select(WorkshopEvent)
        .where(condition)
        .order_by(col(WorkshopEvent.workshop_id), col(WorkshopEvent.seq))
        .limit(limit)
    )
    return list(session.exec(query))


def current_seq(session: Session, workshop_id: int) -> int:
    """The workshop's latest event number (0 for a workshop this session cannot see)."""
    return int(
        session.exec(select(Workshop.event_seq).where(Workshop.id == workshop_id)).first() or 0
    )


def board_changed(session: Session, city_id: int) -> None:
    """What the city's proposal board lists changed: its revision moves on, so no process serves
    a board page rendered before (they are cached per revision). Call it last before commit:
    it locks the city row until then."""
    session.execute(
        update(City)
        .where(col(City.id) == city_id)
        .values(board_revision=col(City.board_revision) + 1)
        .execution_options(synchronize_session=False)
    )
