"""A city's proposal board: the public list and proposal pages, joining the board online,
and what participants and staff do there."""

from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from markupsafe import Markup
from pydantic import BaseModel
from sqlmodel import Session
from starlette.datastructures import UploadFile
from starlette.responses import Response

from app import i18n, labels
from app.db import SessionDep
from app.deps import (
    BoardParticipant,
    BoardProposal,
    BoardQuery,
    BoardRunner,
    CityBySlug,
    OptionalBoardParticipant,
    OptionalUser,
    is_htmx,
    remember_participant,
)
from app.domain.bounds import is_id
from app.domain.errors import NotFound, UserError
from app.i18n import gettext as _
from app.models import (
    AgeBand,
    City,
    Participant,
    Proposal,
    ProposalCategory,
    ProposalOrigin,
    ProposalStatus,
    StakeholderGroup,
    utcnow,
)
from app.rendered import RenderCache, cache_on
from app.routes.forms import JoinForm, confirm_first, local_path, refused_form, whole_number
from app.services import access, board
from app.services import proposals as proposal_service
from app.services import workshops as workshop_service
from app.services.board import BoardFilter, BoardPage, ProposalFields
from app.services.workshops import JoinDetails
from app.templating import flash, render, render_fragment

router = APIRouter(include_in_schema=False)
GROUPS = [g.value for g in StakeholderGroup]


class ProposalForm(BaseModel):
    """The fields of the propose, create and reword forms, as typed."""

    title: str = ""
    body: str = ""
    category: str = ""
    place: str = ""
    cost: str = ""
    latitude: str = ""
    longitude: str = ""

    def fields(self) -> ProposalFields:
        amount = whole_number(self.cost, _("Estimated cost"), high=board.rules.COST_MAX)
        return ProposalFields(
            title=self.title,
            body=self.body,
            category=self.category,
            place=self.place,
            cost=amount,
            latitude=self.latitude,
            longitude=self.longitude,
        )


ProposalFormDep = Annotated[ProposalForm, Form()]


def visitor_seed(request: Request, participant: Participant | None) -> int:
    """The random order's seed: per joined participant (else per session) and per day."""
    visitor = participant.token if participant else str(request.session.get("csrf", ""))
    return board.random_seed(visitor, date.today())


@dataclass(frozen=True)
class BoardList:
    """The list of cards as every visitor sees it: nothing of the viewer's (no CSRF token, no
    participant), so that many phones asking for one page share one render."""

    html: str
    board: BoardPage


def _render_list(
    session: Session,
    city: City,
    filters: BoardFilter,
    seed: int,
    categories: dict[str, str],
    query: str,
) -> BoardList:
    page = board.board_page(session, city, filters, seed=seed)
    context = {
        "city": city,
        "board": page,
        "category_labels": categories,
        "labels": _card_labels(),
        "query_without_page": query,
    }
    return BoardList(render_fragment("board/_list_items.html", context), page)


def _card_labels() -> dict[str, dict[str, str]]:
    """Each label a card shows, translated once per render rather than once per card."""
    return {
        "status": {s.value: labels.proposal_status(s.value) for s in ProposalStatus},
        "origin": {o.value: labels.proposal_origin(o.value) for o in ProposalOrigin},
        "group": {g.value: labels.stakeholder_group(g.value) for g in StakeholderGroup},
    }


def board_list(
    session: Session,
    request: Request,
    city: City,
    participant: Participant | None,
    filters: BoardFilter,
    categories: list[ProposalCategory],
) -> BoardList:
    """The list, rendered once per city board revision, filters and language: the revision is
    read with the city row and everything listed is read after it, and every write to the board
    moves it on (live.board_changed) in every process. The random order is each visitor's own,
    and other page sizes are the API's business: those are rendered each time rather than
    crowding out the pages everyone shares."""
    seed = visitor_seed(request, participant)
    names = {c.code: board.category_label(c) for c in categories}
    query = _query_without(request, "page")
    # Only a GET shares its list: a refused form's page is drawn inside a write, where (on
    # SQLite's group commit) it may see other requests' work that is not committed yet.
    shared = request.method in ("GET", "HEAD")
    if not shared or filters.sort == "random" or filters.page_size != board.PAGE_SIZE:
        return _render_list(session, city, filters, seed, names, query)
    key = (city.id, city.slug, city.board_revision, filters, i18n.get_locale(), query)
    return board_cache(request).get(
        key, lambda: _render_list(session, city, filters, seed, names, query)
    )


def board_cache(request: Request) -> RenderCache[BoardList]:
    return cache_on(request.app.state, "board_lists", size=64)


def _board_context(
    session: Session,
    request: Request,
    city: City,
    participant: Participant | None,
    user: Any,
    filters: BoardFilter,
) -> dict[str, Any]:
    categories = board.categories(session, city)
    listed = board_list(session, request, city, participant, filters, categories)
    return {
        "city": city,
        "participant": participant,
        "filters": filters,
        "board": listed.board,
        "board_list": Markup(listed.html),  # noqa: S704 (rendered by autoescaping templates)
        "categories": categories,
        "category_labels": {c.code: board.category_label(c) for c in categories},
        "workshops": workshop_service.workshops_for_city(session, city),
        "statuses": [s.value for s in ProposalStatus],
        "origins": [o.value for o in ProposalOrigin],
        "groups": GROUPS,
        "sorts": board.SORTS,
        "runs_board": access.runs_board(session, user, city),
    }


def _query_without(request: Request, name: str) -> str:
    return urlencode([(k, v) for k, v in request.query_params.multi_items() if k != name])


@router.get("/cities/{slug}/proposals")
def board_page(
    request: Request,
    session: SessionDep,
    city: CityBySlug,
    participant: OptionalBoardParticipant,
    user: OptionalUser,
    filters: BoardQuery,
) -> Response:
    context = _board_context(session, request, city, participant, user, filters)
    template = "board/_list.html" if is_htmx(request) else "board/board.html"
    return render(request, template, context)


def _join_context(
    city: City, form: JoinDetails | None = None, error: str | None = None
) -> dict[str, Any]:
    return {
        "city": city,
        "groups": GROUPS,
        "age_bands": [a.value for a in AgeBand],
        "form": asdict(form or JoinDetails(group="")),  # as typed, or the empty form
        "group_error": error,
    }


def _next(city: City, target: str) -> str:
    """Where to go after joining: a page of this city's (the plan, a proposal), else the board."""
    board = f"/cities/{city.slug}/proposals"
    target = local_path(target, board)
    inside = target.startswith(f"/cities/{city.slug}/") and "//" not in target
    return target if inside else board


@router.get("/cities/{slug}/board/join")
def join_form(
    request: Request, city: CityBySlug, participant: OptionalBoardParticipant, next: str = ""
) -> Response:
    if participant is not None:
        return RedirectResponse(_next(city, next), status_code=303)
    return render(request, "board/join.html", _join_context(city) | {"next": _next(city, next)})


@router.post("/cities/{slug}/board/participants")
def join_board(
    request: Request,
    session: SessionDep,
    city: CityBySlug,
    participant: OptionalBoardParticipant,
    details: JoinForm,
    next: Annotated[str, Form()] = "",
) -> Response:
    if participant is None:  # the same device rejoining keeps the same participant

        def page(error: UserError) -> Response:
            context = _join_context(city, details, error.message) | {"next": _next(city, next)}
            return render(request, "board/join.html", context)

        with refused_form(session, page):
            participant = board.join(session, city, details)
            remember_participant(request, session, participant)
        session.commit()
    return RedirectResponse(_next(city, next), status_code=303)


def _proposal_context(
    session: Session,
    request: Request,
    city: City,
    proposal: Proposal,
    participant: Participant | None,
    user: Any,
    **extra: Any,
) -> dict[str, Any]:
    runs = access.runs_board(session, user, city)
    categories = board.categories(session, city)
    supports = board.supports_by_group(session, [proposal.id or 0])[proposal.id or 0]
    context = {
        "city": city,
        "proposal": proposal,
        "participant": participant,
        "runs_board": runs,
        "threads": board.comment_threads(session, proposal, staff=runs, participant=participant),
        "supports": supports,
        "supported": board.supported_by(session, proposal, participant),
        "origin": board.origin_of(session, proposal),
        "rounds": board.rounds_of(session, proposal),
        "history": board.history(session, proposal),
        "categories": categories,
        "category_labels": {c.code: board.category_label(c) for c in categories},
        "settable_statuses": [s.value for s in proposal_service.SETTABLE_STATUSES],
        "now": utcnow(),
        "edit_window": board.rules.EDIT_WINDOW,
        "comment_error": None,
        "comment_text": "",
        "staff_error": None,
        "closed": proposal.status in board.rules.CLOSED_STATUSES,
        "images": board.images_of(session, proposal),
        "max_images": board.MAX_IMAGES,
        "photo_error": None,
    }
    context.update(extra)
    return context


def _back(city: City, proposal: Proposal, anchor: str = "") -> RedirectResponse:
    return RedirectResponse(f"/cities/{city.slug}/proposals/{proposal.id}{anchor}", status_code=303)


@router.get("/cities/{slug}/proposals/new")
def proposal_form(
    request: Request, session: SessionDep, city: CityBySlug, participant: BoardParticipant
) -> Response:
    categories = board.categories(session, city)
    return render(
        request,
        "board/new.html",
        {
            "city": city,
            "categories": categories,
            "category_labels": {c.code: board.category_label(c) for c in categories},
            "form": {},
            "error": None,
        },
    )


@router.post("/cities/{slug}/proposals")
def propose(
    request: Request,
    session: SessionDep,
    city: CityBySlug,
    participant: BoardParticipant,
    form: ProposalFormDep,
) -> Response:
    def page(error: UserError) -> Response:
        categories = board.categories(session, city)
        context = {
            "city": city,
            "categories": categories,
            "category_labels": {c.code: board.category_label(c) for c in categories},
            "form": form.model_dump(),
            "error": error.message,
        }
        return render(request, "board/new.html", context)

    with refused_form(session, page):
        proposal = board.propose(session, city, participant, form.fields())
    session.commit()
    flash(request, _("Thank you! Your proposal is on the board."))
    return _back(city, proposal)


@router.get("/cities/{slug}/proposals/{proposal_id}")
def proposal_page(
    request: Request,
    session: SessionDep,
    city: CityBySlug,
    proposal: BoardProposal,
    participant: OptionalBoardParticipant,
    user: OptionalUser,
) -> Response:
    if proposal.status == ProposalStatus.merged and proposal.merged_into_id:
        return RedirectResponse(
            f"/cities/{city.slug}/proposals/{proposal.merged_into_id}", status_code=301
        )
    context = _proposal_context(session, request, city, proposal, participant, user)
    return render(request, "board/proposal.html", context)


@router.post("/cities/{slug}/proposals/{proposal_id}/comments")
def post_comment(
    request: Request,
    session: SessionDep,
    city: CityBySlug,
    proposal: BoardProposal,
    participant: BoardParticipant,
    user: OptionalUser,
    text: Annotated[str, Form()] = "",
    parent_id: Annotated[str, Form()] = "",
) -> Response:
    parent = int(parent_id) if parent_id and is_id(parent_id) else None

    page = _proposal_again(
        session,
        request,
        city,
        proposal,
        participant,
        user,
        reason_in="comment_error",
        comment_text=text,
        comment_parent=parent,
    )
    with refused_form(session, page):
        row = board.comment(session, proposal, participant, text, parent_id=parent)
    session.commit()
    if row.held_for_review:
        flash(request, _("Your comment is waiting for a moderator to look at it."))
    else:
        flash(request, _("Thank you! Your comment is on the proposal."))
    return _back(city, proposal, f"#comment-{row.id}")


@router.post("/cities/{slug}/proposals/{proposal_id}/comments/{comment_id}/edit")
def edit_comment(
    comment_id: int,
    request: Request,
    session: SessionDep,
    city: CityBySlug,
    proposal: BoardProposal,
    participant: BoardParticipant,
    user: OptionalUser,
    text: Annotated[str, Form()] = "",
) -> Response:
    page = _proposal_again(
        session, request, city, proposal, participant, user, reason_in="comment_error"
    )
    with refused_form(session, page, reraise_404=True):
        board.edit_comment(session, proposal, participant, comment_id, text)
    session.commit()
    return _back(city, proposal, f"#comment-{comment_id}")


@router.post("/cities/{slug}/proposals/{proposal_id}/comments/{comment_id}/delete")
def delete_comment(
    comment_id: int,
    request: Request,
    session: SessionDep,
    city: CityBySlug,
    proposal: BoardProposal,
    participant: BoardParticipant,
    confirm: Annotated[str, Form()] = "",
) -> Response:
    """The author deletes their comment, once asked (a dialog, or without JavaScript a page)."""
    if confirm != "yes":
        board.own_comment(session, proposal, participant, comment_id)  # others are refused here
        return confirm_first(
            request,
            action=f"/cities/{city.slug}/proposals/{proposal.id}/comments/{comment_id}/delete",
            title=_("Delete your comment?"),
            message=_(
                "Its text is removed for good. If someone replied, the replies stay and your "
                "comment shows as deleted by its author."
            ),
            confirm_label=_("Delete the comment"),
            cancel_url=f"/cities/{city.slug}/proposals/{proposal.id}#comment-{comment_id}",
        )
    board.delete_comment(session, proposal, participant, comment_id)
    session.commit()
    flash(request, _("Your comment is deleted."))
    return _back(city, proposal, "#comments")


@router.post("/cities/{slug}/proposals/{proposal_id}/comments/{comment_id}/flag")
def flag_comment(
    comment_id: int,
    request: Request,
    session: SessionDep,
    city: CityBySlug,
    proposal: BoardProposal,
    participant: BoardParticipant,
) -> Response:
    board.flag(session, proposal, participant, comment_id)
    session.commit()
    flash(request, _("Thank you. A moderator will look at this comment."))
    return _back(city, proposal, f"#comment-{comment_id}")


@router.post("/cities/{slug}/proposals/{proposal_id}/support")
def support(
    request: Request,
    session: SessionDep,
    city: CityBySlug,
    proposal: BoardProposal,
    participant: BoardParticipant,
    user: OptionalUser,
    on: Annotated[str, Form()] = "1",
) -> Response:
    page = _proposal_again(
        session, request, city, proposal, participant, user, reason_in="comment_error"
    )
    with refused_form(session, page):
        supported = board.set_support(session, proposal, participant, given=on != "0")
    session.commit()
    if is_htmx(request):
        context = {
            "city": city,
            "proposal": proposal,
            "supported": supported,
            "participant": participant,
            "supports": board.supports_by_group(session, [proposal.id or 0])[proposal.id or 0],
            "closed": False,
        }
        return render(request, "board/_support.html", context)
    return _back(city, proposal, "#support")


# --- staff ---------------------------------------------------------------------------------------


def _proposal_again(
    session: Session,
    request: Request,
    city: City,
    proposal: Proposal,
    participant: Participant | None,
    user: Any,
    *,
    reason_in: str,
    **kept: Any,
) -> Callable[[UserError], Response]:
    """For refused_form: the proposal page again, the reason in `reason_in` (the context key
    the template shows beside the form that was refused) and what was typed kept."""

    def page(error: UserError) -> Response:
        context = _proposal_context(
            session,
            request,
            city,
            proposal,
            participant,
            user,
            **{reason_in: error.message},
            **kept,
        )
        return render(request, "board/proposal.html", context)

    return page


@router.post("/staff/cities/{slug}/proposals")
def staff_create(
    request: Request,
    session: SessionDep,
    city: CityBySlug,
    user: BoardRunner,
    form: ProposalFormDep,
    origin: Annotated[str, Form()] = "online",
) -> Response:
    def page(error: UserError) -> Response:
        context = _board_context(session, request, city, None, user, BoardFilter())
        context["staff_error"] = error.message
        return render(request, "board/board.html", context)

    with refused_form(session, page):
        proposal = proposal_service.create(session, city, user, form.fields(), origin=origin)
    session.commit()
    return _back(city, proposal)


@router.post("/staff/cities/{slug}/proposals/{proposal_id}/edit")
def staff_reword(
    request: Request,
    session: SessionDep,
    city: CityBySlug,
    proposal: BoardProposal,
    user: BoardRunner,
    form: ProposalFormDep,
    reason: Annotated[str, Form()] = "",
) -> Response:
    with refused_form(
        session,
        _proposal_again(session, request, city, proposal, None, user, reason_in="staff_error"),
    ):
        proposal_service.reword(session, proposal, user, form.fields(), reason)
    session.commit()
    return _back(city, proposal, "#history")


@router.post("/staff/cities/{slug}/proposals/{proposal_id}/status")
def staff_status(
    request: Request,
    session: SessionDep,
    city: CityBySlug,
    proposal: BoardProposal,
    user: BoardRunner,
    status: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    with refused_form(
        session,
        _proposal_again(session, request, city, proposal, None, user, reason_in="staff_error"),
    ):
        proposal_service.set_status(session, proposal, user, status, reason)
    session.commit()
    return _back(city, proposal, "#history")


@router.post("/staff/cities/{slug}/proposals/{proposal_id}/merge")
def staff_merge(
    request: Request,
    session: SessionDep,
    city: CityBySlug,
    proposal: BoardProposal,
    user: BoardRunner,
    into: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    with refused_form(
        session,
        _proposal_again(session, request, city, proposal, None, user, reason_in="staff_error"),
    ):
        target = whole_number(into, _("Proposal number"), low=1, high=2**31 - 1)
        if target is None:
            raise UserError(_("Type the number of the proposal to merge into."), status_code=422)
        survivor = proposal_service.merge(session, proposal, target, user, reason)
    session.commit()
    flash(request, _("Merged. Supporters and comments moved to this proposal."))
    return _back(city, survivor, "#history")


@router.post("/staff/cities/{slug}/proposals/{proposal_id}/comments/{comment_id}/hide")
def staff_hide_comment(
    comment_id: int,
    request: Request,
    session: SessionDep,
    city: CityBySlug,
    proposal: BoardProposal,
    user: BoardRunner,
    reason: Annotated[str, Form()] = "",
) -> Response:
    with refused_form(
        session,
        _proposal_again(session, request, city, proposal, None, user, reason_in="staff_error"),
        reraise_404=True,
    ):
        proposal_service.hide_comment(session, proposal, comment_id, user, reason)
    session.commit()
    return _back(city, proposal, f"#comment-{comment_id}")


@router.post("/staff/cities/{slug}/proposals/{proposal_id}/comments/{comment_id}/restore")
def staff_restore_comment(
    comment_id: int,
    session: SessionDep,
    city: CityBySlug,
    proposal: BoardProposal,
    user: BoardRunner,
) -> Response:
    proposal_service.restore_comment(session, proposal, comment_id, user)
    session.commit()
    return _back(city, proposal, f"#comment-{comment_id}")


# --- photos --------------------------------------------------------------------------------------


async def photo_upload(request: Request) -> bytes:
    """The uploaded photo's bytes (one past 5 MB at most: enough to say "too large"), read
    here (async) so the handler stays off the event loop; empty when none was chosen."""
    form = await request.form(max_files=1, max_fields=20)
    try:
        value = form.get("photo")
        if isinstance(value, UploadFile) and value.filename:
            return await value.read(5 * 1024 * 1024 + 1)
        return b""
    finally:
        await form.close()


PhotoUpload = Annotated[bytes, Depends(photo_upload)]


@router.post("/cities/{slug}/proposals/{proposal_id}/images")
def add_photo(
    request: Request,
    session: SessionDep,
    city: CityBySlug,
    proposal: BoardProposal,
    participant: BoardParticipant,
    user: OptionalUser,
    data: PhotoUpload,
) -> Response:
    page = _proposal_again(
        session, request, city, proposal, participant, user, reason_in="photo_error"
    )
    with refused_form(session, page):
        board.add_image(session, proposal, data, participant=participant)
    session.commit()
    return _back(city, proposal, "#photos")


@router.post("/staff/cities/{slug}/proposals/{proposal_id}/images")
def staff_add_photo(
    request: Request,
    session: SessionDep,
    city: CityBySlug,
    proposal: BoardProposal,
    user: BoardRunner,
    data: PhotoUpload,
) -> Response:
    with refused_form(
        session,
        _proposal_again(session, request, city, proposal, None, user, reason_in="staff_error"),
    ):
        board.add_image(session, proposal, data, staff=user)
    session.commit()
    return _back(city, proposal, "#photos")


@router.post("/staff/cities/{slug}/proposals/{proposal_id}/images/{image_id}/delete")
def staff_delete_photo(
    image_id: int, session: SessionDep, city: CityBySlug, proposal: BoardProposal, user: BoardRunner
) -> Response:
    board.delete_image(session, proposal, image_id)
    session.commit()
    return _back(city, proposal, "#photos")


@router.get("/cities/{slug}/proposals/{proposal_id}/images/{image_id}")
def photo(
    image_id: int, session: SessionDep, proposal: BoardProposal, size: str = "full"
) -> Response:
    """A proposal's photo (size=thumb: its thumbnail), as re-encoded on upload."""
    row = board.get_image(session, image_id)
    if row.proposal_id != proposal.id:
        raise NotFound(_("There is no such photo."))
    return Response(
        row.thumbnail if size == "thumb" else row.data,
        media_type=row.media_type,
        headers={
            "Content-Security-Policy": "sandbox; default-src 'none'",
            "Cache-Control": "public, max-age=86400",
        },
    )
