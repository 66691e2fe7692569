"""Request-level dependencies: the logged-in staff member, roles, the joined participant, and
the rows a path names once app.services.access has allowed them."""

from typing import Annotated

import anyio
from fastapi import Depends, Query, Request
from sqlmodel import Session
from starlette.datastructures import FormData

from app.db import SessionDep
from app.domain.bounds import is_id
from app.domain.errors import Forbidden, JoinRequired, LoginRequired, NotFound
from app.i18n import gettext as _
from app.models import (
    City,
    Participant,
    Proposal,
    ProposalOrigin,
    ProposalStatus,
    Role,
    StaffAccount,
    StakeholderGroup,
    VoteRound,
    Workshop,
)
from app.services import access, sessions, voting
from app.services import board as board_service
from app.services import workshops as workshop_service
from app.services.board import BoardFilter

# The signed session cookie holds only these: no participant token, code or receipt (those
# stay on the server, app.services.sessions), so decoding a cookie reveals nothing to reuse.
SESSION_USER_KEY = "uid"
SESSION_VERSION_KEY = "sv"  # the staff account's session_version when this session began
SESSION_DEVICE_KEY = "device"  # a random id; the server keeps only its hash


async def ids_in_range(request: Request) -> None:
    """App-wide, before any lookup: a number in the path beyond the database's integer keys
    names nothing (the database would fail on it)."""
    for value in request.path_params.values():
        if isinstance(value, str) and value.isascii() and value.isdigit() and not is_id(value):
            raise NotFound(_("This page does not exist."))


def public_base_url(request: Request) -> str:
    """Where absolute links point: the configured public URL, else (development) this request's
    own address, whose host the allowed-hosts check has already vouched for."""
    return request.app.state.settings.public_url or str(request.base_url).rstrip("/")


async def current_user(request: Request, session: SessionDep) -> StaffAccount | None:
    """App-wide dependency: loads the staff member once per request and shares it with templates.
    Async so that the many requests without a staff login take no thread hop for it."""
    user_id = request.session.get(SESSION_USER_KEY)
    user = None
    if user_id is not None:
        user = await anyio.to_thread.run_sync(session.get, StaffAccount, user_id)
    if user is not None and (
        not user.is_active or request.session.get(SESSION_VERSION_KEY) != user.session_version
    ):
        user = None  # deactivated, or the session was ended (logout, new password...)
    if user is None and user_id is not None:
        request.session.pop(SESSION_USER_KEY, None)
        request.session.pop(SESSION_VERSION_KEY, None)
    request.state.user = user
    return user


OptionalUser = Annotated[StaffAccount | None, Depends(current_user)]


def require_roles(*roles: Role):  # type: ignore[no-untyped-def]
    """Dependency factory: a logged-in staff member with one of the roles (admins always pass)."""

    def dependency(user: OptionalUser) -> StaffAccount:
        if user is None:
            raise LoginRequired
        if user.role != Role.admin and user.role not in roles:
            raise Forbidden(_("Your account's role does not allow this page."))
        return user

    return dependency


AnyStaff = Annotated[
    StaffAccount, Depends(require_roles(Role.facilitator, Role.planner, Role.agency))
]
Facilitator = Annotated[StaffAccount, Depends(require_roles(Role.facilitator))]
Planner = Annotated[StaffAccount, Depends(require_roles(Role.planner))]
Admin = Annotated[StaffAccount, Depends(require_roles())]


def facilitated_workshop(workshop_id: int, session: SessionDep, user: Facilitator) -> Workshop:
    """The workshop in the path, if the logged-in staff member is one of its facilitators."""
    workshop = session.get(Workshop, workshop_id)
    if workshop is None:
        raise NotFound(_("There is no workshop with this number."))
    access.ensure_facilitator(session, workshop, user)
    return workshop


FacilitatedWorkshop = Annotated[Workshop, Depends(facilitated_workshop)]


def city_by_slug(slug: str, session: SessionDep) -> City:
    return access.city_by_slug(session, slug)


CityBySlug = Annotated[City, Depends(city_by_slug)]


def planned_city(user: Planner, city: CityBySlug) -> City:
    """The city in the path, if the logged-in planner plans for it."""
    access.ensure_planner(user, city)
    return city


PlannedCity = Annotated[City, Depends(planned_city)]


def plan_reader_city(user: AnyStaff, city: CityBySlug) -> City:
    """The city in the path, if the staff member may read its plan record (planners; the
    city's agencies read-only)."""
    access.ensure_can_read_plan(user, city)
    return city


PlanReaderCity = Annotated[City, Depends(plan_reader_city)]


def managed_round(round_id: int, session: SessionDep, user: AnyStaff) -> VoteRound:
    """The vote round in the path, if the logged-in staff member may run it."""
    vote_round = voting.get_round(session, round_id)
    access.ensure_can_manage_round(session, user, vote_round)
    return vote_round


ManagedRound = Annotated[VoteRound, Depends(managed_round)]


def secret_key(request: Request) -> str:
    return str(request.app.state.settings.secret_key)


SecretKey = Annotated[str, Depends(secret_key)]


def workshop_by_code(code: str, session: SessionDep) -> Workshop:
    workshop = workshop_service.find_by_code(session, code)
    if workshop is None:
        raise NotFound(
            _("No workshop has the code %(code)s. Check the code on the screen.") % {"code": code}
        )
    return workshop


WorkshopByCode = Annotated[Workshop, Depends(workshop_by_code)]


def device_hash(request: Request) -> str | None:
    """The hash of this browser's device id, by which its server-side rows are found; None
    before it ever joined or claimed a code. Reads no database."""
    device_id = request.session.get(SESSION_DEVICE_KEY)
    return sessions.device_hash(device_id) if isinstance(device_id, str) else None


def ensure_device(request: Request) -> str:
    """This browser's device hash, giving it a device id first if it has none."""
    hashed = device_hash(request)
    if hashed is None:
        request.session[SESSION_DEVICE_KEY] = sessions.new_device_id()
        hashed = device_hash(request)
    return str(hashed)


def rotate_device(request: Request, session: Session) -> str:
    """A new device id (on login and joining): what the old one held moves over, so a cookie
    copied earlier opens nothing any more. Returns the new hash."""
    old = device_hash(request)
    request.session[SESSION_DEVICE_KEY] = sessions.new_device_id()
    new = str(device_hash(request))
    if old is not None:
        sessions.move_device(session, old, new)
    return new


def remember_participant(request: Request, session: Session, participant: Participant) -> None:
    """This device is now this participant (of a workshop, or of a city's board)."""
    hashed = rotate_device(request, session)
    if participant.workshop_id is None:
        sessions.link_board_participant(session, hashed, participant)
    else:
        sessions.link_participant(session, hashed, participant)


def optional_participant(
    request: Request, workshop: WorkshopByCode, session: SessionDep
) -> Participant | None:
    return sessions.participant_of_device(session, workshop, device_hash(request))


def required_participant(
    workshop: WorkshopByCode,
    participant: Annotated[Participant | None, Depends(optional_participant)],
) -> Participant:
    if participant is None:
        raise JoinRequired(workshop.join_code)
    return participant


OptionalParticipant = Annotated[Participant | None, Depends(optional_participant)]
CurrentParticipant = Annotated[Participant, Depends(required_participant)]


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


async def form_data(request: Request) -> FormData:
    """The whole posted form, for forms whose fields depend on data (one per proposal).

    Read here, in an async dependency, so the handler itself can stay a plain function
    that runs in the thread pool and never blocks the event loop with database work.
    """
    return await request.form()


FormFields = Annotated[FormData, Depends(form_data)]


# --- a city's proposal board -------------------------------------------------------------------


def optional_board_participant(
    request: Request, city: CityBySlug, session: SessionDep
) -> Participant | None:
    return sessions.board_participant_of_device(session, city, device_hash(request))


def required_board_participant(
    city: CityBySlug,
    participant: Annotated[Participant | None, Depends(optional_board_participant)],
) -> Participant:
    if participant is None:
        raise JoinRequired(city.slug, target=f"/cities/{city.slug}/board/join")
    return participant


OptionalBoardParticipant = Annotated[Participant | None, Depends(optional_board_participant)]
BoardParticipant = Annotated[Participant, Depends(required_board_participant)]


def board_proposal(proposal_id: int, city: CityBySlug, session: SessionDep) -> Proposal:
    return board_service.get_proposal(session, city, proposal_id)


BoardProposal = Annotated[Proposal, Depends(board_proposal)]
BoardStaffRole = Annotated[StaffAccount, Depends(require_roles(Role.facilitator, Role.planner))]


def board_runner(user: BoardStaffRole, city: CityBySlug, session: SessionDep) -> StaffAccount:
    """A planner of the city or a facilitator of one of its workshops."""
    access.ensure_runs_board(session, user, city)
    return user


BoardRunner = Annotated[StaffAccount, Depends(board_runner)]


def board_filter(
    category: str = "",
    status: str = "",
    group: str = "",
    workshop: str = "",
    origin: str = "",
    place: str = "",
    q: str = "",
    sort: str = "newest",
    page: str = "1",
    page_size: Annotated[int, Query(ge=1, le=board_service.MAX_PAGE_SIZE)] = (
        board_service.PAGE_SIZE
    ),
) -> BoardFilter:
    """The board's query string, for the page and the API alike. Unknown filter values are
    ignored (a shared link never fails); a page size out of range is a 422 (an HTML page or
    problem details, app.errors)."""
    return BoardFilter(
        category=category[:40],
        status=status if status in {s.value for s in ProposalStatus} else "",
        group=group if group in {g.value for g in StakeholderGroup} else "",
        workshop_id=int(workshop) if is_id(workshop) else None,
        origin=origin if origin in {o.value for o in ProposalOrigin} else "",
        place=place[:200],
        q=q[:200],
        sort=sort if sort in board_service.SORTS else "newest",
        page=int(page) if page.isdigit() and len(page) < 7 else 1,
        page_size=page_size,
    )


BoardQuery = Annotated[BoardFilter, Depends(board_filter)]
