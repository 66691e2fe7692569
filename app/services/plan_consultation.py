"""Public consultation on a plan version: while a version is in public consultation, residents
who joined the city's proposal board comment on it, on one item or on the plan as a whole.
The board's rules apply (its length limit and abusive-word screen; hide and restore with a
public reason by the staff who run the board); comments stay, read-only, once the version
leaves consultation."""

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from app.domain import proposal_board as board_rules
from app.domain.errors import Conflict, NotFound
from app.domain.rate_limit import retry_after
from app.i18n import gettext as _
from app.models import (
    City,
    Participant,
    Plan,
    PlanComment,
    PlanItem,
    PlanStatus,
    PlanVersion,
    StaffAccount,
    utcnow,
)
from app.services import ideas, proposals
from app.services.plan_record import current_version
from app.services.workshops import text_or_error


def is_open(plan: Plan, version: PlanVersion) -> bool:
    """Comments are taken on the plan's current version while it is in consultation (an
    earlier version left in that state when a new draft started is closed)."""
    return version.state == PlanStatus.consultation and plan.status == PlanStatus.consultation


def open_version(session: Session, city: City) -> PlanVersion | None:
    """The city's version in public consultation now, if any."""
    plans = session.exec(
        select(Plan).where(Plan.city_id == city.id, Plan.status == PlanStatus.consultation)
    ).all()
    for plan in plans:
        version = current_version(session, plan)
        if version is not None and is_open(plan, version):
            return version
    return None


def post(
    session: Session,
    city: City,
    participant: Participant,
    *,
    version_number: int,
    item_id: int | None,
    text: str,
    now: datetime | None = None,
) -> PlanComment:
    """A resident's comment on the version they read (`version_number`), refused once it has
    left consultation; at the pace of workshop posts, held for review like board comments."""
    version = open_version(session, city)
    if version is None or version.number != version_number:
        raise Conflict(
            _(
                "Public consultation on this version of the plan has closed. Comments made "
                "during it are kept; new ones are not taken."
            )
        )
    item_ids = {int(i["id"]) for i in (version.snapshot or {}).get("items", [])}
    if item_id is not None and item_id not in item_ids:
        raise NotFound(_("There is no such item in this version of the plan."))
    body = text_or_error(
        text,
        max_length=board_rules.COMMENT_MAX,
        empty_message=_("Please write your comment first."),
    )
    now = now or utcnow()
    recent = session.exec(
        select(PlanComment.created_at).where(
            PlanComment.author_participant_id == participant.id,
            col(PlanComment.created_at) > now - ideas.POSTING_LIMIT.window,
        )
    ).all()
    wait = retry_after(list(recent), now, ideas.POSTING_LIMIT)
    if wait is not None:
        raise ideas.TooFast(wait)
    row = PlanComment(
        version_id=version.id or 0,
        item_id=item_id,
        author_participant_id=participant.id,
        stakeholder_group=participant.stakeholder_group,
        text=body,
        held_for_review=board_rules.needs_review(body),
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row


def _shown(row: PlanComment, *, staff: bool, participant: Participant | None) -> bool:
    """Staff see every comment; the public the visible ones; an author their own held one."""
    if staff:
        return True
    if row.hidden:
        return False
    own = participant.id if participant else None
    return not row.held_for_review or (own is not None and row.author_participant_id == own)


def comments_by_item(
    session: Session, version: PlanVersion, *, staff: bool, participant: Participant | None
) -> dict[int | None, list[PlanComment]]:
    """A version's comments, oldest first, by the item they concern (None: the whole plan)."""
    rows = session.exec(
        select(PlanComment)
        .where(PlanComment.version_id == version.id)
        .order_by(col(PlanComment.id))
    ).all()
    grouped: dict[int | None, list[PlanComment]] = {}
    for row in rows:
        if _shown(row, staff=staff, participant=participant):
            grouped.setdefault(row.item_id, []).append(row)
    return grouped


@dataclass(frozen=True)
class ItemComments:
    """The comments on one item (item_id None: on the plan as a whole), for the planner."""

    item_id: int | None
    title: str | None
    comments: list[tuple[PlanComment, int]]  # with the version number they were made on


def comments_for_planner(session: Session, plan: Plan) -> list[ItemComments]:
    """Every consultation comment on any version of the plan, hidden and held ones too, with
    the item they concern: the whole plan first, then items by their current priority."""
    rows = session.exec(
        select(PlanComment, PlanVersion.number, PlanItem.title, PlanItem.priority)
        .join(PlanVersion, col(PlanVersion.id) == PlanComment.version_id)
        .join(PlanItem, col(PlanItem.id) == PlanComment.item_id, isouter=True)
        .where(PlanVersion.plan_id == plan.id)
        .order_by(col(PlanComment.id))
    ).all()
    groups: dict[int | None, ItemComments] = {}
    order: dict[int | None, tuple[int, int]] = {}
    for comment, number, title, priority in rows:
        key = comment.item_id
        if key not in groups:
            groups[key] = ItemComments(key, title, [])
            order[key] = (0, 0) if key is None else (1, priority or 0)
        groups[key].comments.append((comment, number))
    return [groups[k] for k in sorted(groups, key=lambda k: (*order[k], k or 0))]


def get_comment(session: Session, city: City, comment_id: int) -> PlanComment:
    row = session.exec(
        select(PlanComment)
        .join(PlanVersion, col(PlanVersion.id) == PlanComment.version_id)
        .join(Plan, col(Plan.id) == PlanVersion.plan_id)
        .where(PlanComment.id == comment_id, Plan.city_id == city.id)
    ).first()
    if row is None:
        raise NotFound(_("There is no such comment on this city's plan."))
    return row


def hide(session: Session, city: City, comment_id: int, actor: StaffAccount, reason: str) -> None:
    row = get_comment(session, city, comment_id)
    proposals.hide(row, actor, reason)
    session.add(row)
    session.flush()


def restore(session: Session, city: City, comment_id: int) -> None:
    row = get_comment(session, city, comment_id)
    proposals.unhide(row)
    session.add(row)
    session.flush()
