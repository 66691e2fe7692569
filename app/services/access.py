"""Who may see or change what: a city, a workshop, a vote round, a plan item.

Every access rule of the app lives here; routes reach them through the dependencies in
app.deps. The can_* functions answer, the ensure_* ones refuse with Forbidden.
"""

from typing import Any

from sqlmodel import Session, col, select

from app.domain.errors import Forbidden, NotFound
from app.i18n import gettext as _
from app.models import City, PlanItem, Role, StaffAccount, VoteRound, Workshop, WorkshopFacilitator
from app.services import cities as city_service


def city_by_slug(session: Session, slug: str) -> City:
    city = city_service.by_slug(session, slug)
    if city is None:
        raise NotFound(_("There is no city with this identifier."))
    return city


# --- a city ------------------------------------------------------------------------------------


def plans_for(user: StaffAccount | None, city_id: int | None) -> bool:
    """Admins plan for every city; a planner for their own city, or every city if they have none."""
    if user is None:
        return False
    if user.role == Role.admin:
        return True
    return user.role == Role.planner and user.city_id in (None, city_id)


def is_planner(user: StaffAccount | None, city: City) -> bool:
    return plans_for(user, city.id)


def ensure_planner(user: StaffAccount, city: City) -> None:
    if not is_planner(user, city):
        raise Forbidden(_("Only the city's planners can do this."))


def can_read_plan(user: StaffAccount | None, city: City) -> bool:
    """The city's planners, and (read-only) the accounts of the city's agencies."""
    if is_planner(user, city):
        return True
    return user is not None and user.role == Role.agency and user.city_id == city.id


def ensure_can_read_plan(user: StaffAccount, city: City) -> None:
    if not can_read_plan(user, city):
        raise Forbidden(_("Only the city's planners and agencies can see this plan record."))


# --- a workshop ----------------------------------------------------------------------------------


def _facilitates(session: Session, workshop_id: int, user: StaffAccount) -> bool:
    if user.role == Role.admin:
        return True
    query = select(WorkshopFacilitator.id).where(
        WorkshopFacilitator.workshop_id == workshop_id, WorkshopFacilitator.account_id == user.id
    )
    return session.exec(query).first() is not None


def can_facilitate(session: Session, workshop: Workshop, user: StaffAccount) -> bool:
    return _facilitates(session, workshop.id or 0, user)


def ensure_facilitator(session: Session, workshop: Workshop, user: StaffAccount) -> None:
    if not can_facilitate(session, workshop, user):
        raise Forbidden(
            _("You are not a facilitator of this workshop. Ask one of its facilitators to add you.")
        )


# --- a city's proposal board --------------------------------------------------------------------


def runs_board(session: Session, user: StaffAccount | None, city: City) -> bool:
    """A city's board is run by its planners and by the facilitators of its workshops."""
    if user is None:
        return False
    if plans_for(user, city.id):
        return True
    if user.role != Role.facilitator:
        return False
    query = (
        select(WorkshopFacilitator.id)
        .join(Workshop, Workshop.id == WorkshopFacilitator.workshop_id)  # type: ignore[arg-type]
        .where(WorkshopFacilitator.account_id == user.id, Workshop.city_id == city.id)
    )
    return session.exec(query).first() is not None


def ensure_runs_board(session: Session, user: StaffAccount, city: City) -> None:
    if not runs_board(session, user, city):
        raise Forbidden(
            _("Only the city's planners and the facilitators of its workshops can do this.")
        )


def facilitated_workshop_ids(user: StaffAccount) -> Any:
    """A subquery: the ids of the workshops the staff member facilitates (for admins, who may
    run every workshop, callers do not filter)."""
    return select(WorkshopFacilitator.workshop_id).where(WorkshopFacilitator.account_id == user.id)


def board_city_ids(user: StaffAccount) -> Any:
    """A subquery: the ids of the cities whose board the staff member runs (as runs_board)."""
    if user.role == Role.planner:
        cities = select(City.id)
        return cities if user.city_id is None else cities.where(col(City.id) == user.city_id)
    return (
        select(Workshop.city_id)
        .join(WorkshopFacilitator, col(WorkshopFacilitator.workshop_id) == Workshop.id)
        .where(WorkshopFacilitator.account_id == user.id)
    )


# --- a vote round --------------------------------------------------------------------------------


def can_manage_round(session: Session, user: StaffAccount, vote_round: VoteRound) -> bool:
    """A workshop's round: its facilitators. A city board's round: the city's planners."""
    if vote_round.workshop_id is None:
        return plans_for(user, vote_round.city_id)
    return _facilitates(session, vote_round.workshop_id, user)


def ensure_can_manage_round(session: Session, user: StaffAccount, vote_round: VoteRound) -> None:
    if not can_manage_round(session, user, vote_round):
        raise Forbidden(
            _("You cannot run this vote. Ask the workshop's facilitators or a planner.")
        )


# --- a plan item ---------------------------------------------------------------------------------


def can_report(user: StaffAccount, item: PlanItem, city: City) -> bool:
    """An agency reports on its own items; planners (and admins) on every item of the city."""
    if is_planner(user, city):
        return True
    return (
        user.role == Role.agency and user.agency_id is not None and user.agency_id == item.agency_id
    )


def ensure_can_report(user: StaffAccount, item: PlanItem, city: City) -> None:
    if not can_report(user, item, city):
        raise Forbidden(
            _("Only the agency responsible for this item, or a planner, can report on it.")
        )
