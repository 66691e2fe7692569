"""Taking part from a phone: join with a code, choose a group, post ideas and comments,
+1, vote, and follow the facilitator live."""

import re
from dataclasses import asdict, dataclass
from typing import Annotated, Any

import segno
from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from markupsafe import Markup
from sqlmodel import Session
from starlette.responses import Response

from app import i18n
from app.db import SessionDep
from app.deps import (
    CurrentParticipant,
    OptionalParticipant,
    WorkshopByCode,
    is_htmx,
    public_base_url,
    remember_participant,
)
from app.domain.bounds import is_id
from app.domain.errors import NotFound, UserError
from app.domain.phone_screen import phone_screen
from app.i18n import gettext as _
from app.models import AgeBand, City, Participant, VoteRound, Workshop, utcnow
from app.rendered import RenderCache, cache_on
from app.routes.forms import JoinForm, refused_form
from app.services import ideas as idea_service
from app.services import voting
from app.services import workshops as workshop_service
from app.templating import flash, render, render_fragment

router = APIRouter(include_in_schema=False)
PHONE_WALL_SIZE = 50  # ideas per page of the wall; older ones load on scroll or by a link


def state_context(
    session: Session, workshop: Workshop, *, vote_open: bool | None = None
) -> dict[str, Any]:
    """Phase, timer and lock: what the phase panel shows, and the order of the phone page
    (`vote_open`: whether a round is open, when the caller already knows)."""
    if vote_open is None:
        vote_open = voting.open_round_of(session, workshop) is not None
    clock = workshop_service.timer_of(workshop)
    phase = workshop_service.current_phase(session, workshop)
    return {
        "workshop": workshop,
        "phase": phase,
        "screen": phone_screen(
            phase_kind=phase.kind if phase else None,
            workshop_open=workshop.status == "open",
            vote_open=vote_open,
        ),
        "timer_remaining": clock.remaining(utcnow()),
        "timer_running": clock.running(),
    }


@dataclass(frozen=True)
class WallPage:
    """One page of the wall as every phone sees it: no CSRF token, no one's own +1 marks."""

    html: str
    count: int
    older: int | None  # the `before` cursor of the next page; None on the last page


# The +1 button as rendered for nobody in particular (see _reaction.html); one's own marks are
# set on the cached HTML, so a thousand phones share one render and still see their own +1s.
# Idea text cannot fake this: autoescaping turns every quote in it into &#34;.
_UNPRESSED = re.compile(r'data-plus="(\d+)" aria-pressed="false" value="1"')


def render_wall_page(session: Session, workshop: Workshop, before: int | None) -> WallPage:
    items, count = idea_service.wall_page(
        session, workshop, limit=PHONE_WALL_SIZE + 1, before=before
    )
    older = items[PHONE_WALL_SIZE - 1].idea.id if len(items) > PHONE_WALL_SIZE else None
    context = {
        "workshop": workshop,
        "items": items[:PHONE_WALL_SIZE],
        "older": older,
        "before": before,
        "reacted": frozenset(),
        "can_post": workshop.status == "open",
    }
    html = render_fragment("participate/_wall_items.html", context)
    return WallPage(html, count, older)


def _with_own_marks(html: str, reacted: set[int]) -> Markup:
    if not reacted:
        return Markup(html)  # noqa: S704 (rendered by autoescaping templates)

    def mark(match: re.Match[str]) -> str:
        if int(match[1]) not in reacted:
            return match[0]
        return f'data-plus="{match[1]}" aria-pressed="true" value="0"'

    return Markup(_UNPRESSED.sub(mark, html))  # noqa: S704


def wall_context(
    session: Session,
    workshop: Workshop,
    participant: Participant | None,
    *,
    before: int | None = None,
    cache: RenderCache[WallPage] | None = None,
) -> dict[str, Any]:
    """A page of the wall (the newest unless `before`), with this phone's own +1 marks.

    With a cache, a page is rendered once per workshop event, page and language: the key holds
    the event number read with the workshop row, and everything on the page was read after it.
    """
    if cache is None:
        page = render_wall_page(session, workshop, before)
    else:
        key = (workshop.id, workshop.event_seq, before, i18n.get_locale(), "participant")
        page = cache.get(key, lambda: render_wall_page(session, workshop, before))
    reacted = idea_service.reacted_ids(session, participant)
    return {
        "wall_html": _with_own_marks(page.html, reacted),
        "wall_count": page.count,
        "wall_before": before,
        "wall_older": page.older,
        "reacted": reacted,
        "can_post": workshop.status == "open",
    }


def wall_cache(request: Request) -> RenderCache[WallPage]:
    return cache_on(request.app.state, "wall_pages")


def _cursor(value: str | None) -> int | None:
    return int(value) if value and is_id(value) else None


def ballot_context(
    session: Session, request: Request, workshop: Workshop, participant: Participant | None
) -> dict[str, Any]:
    """The vote card on the workshop page: a way into the open round, or its results."""
    vote_round = voting.open_round_of(session, workshop)
    closed = voting.latest_closed_round(session, workshop) if vote_round is None else None
    shown = vote_round or closed
    return {
        "vote_round": vote_round,
        "has_voted": bool(
            vote_round and participant and voting.has_voted(session, vote_round, participant)
        ),
        "eligible": bool(
            vote_round
            and participant
            and participant.stakeholder_group in vote_round.eligible_groups
        ),
        "results_round": closed if closed and voting.results_public(closed) else None,
        "results_top": _top_results(session, shown),
        "results_rule": voting.primary_rule(shown) if shown else "",
    }


def _top_results(session: Session, vote_round: VoteRound | None) -> list[tuple[str, int | float]]:
    """The first three of a round whose results are public, for the phone's vote card."""
    if vote_round is None or not voting.results_public(vote_round):
        return []
    titles = {e.proposal.id: e.proposal.title for e in voting.ballot_entries(session, vote_round)}
    ranking = voting.results(session, vote_round).ranking(voting.primary_rule(vote_round))
    return [(titles.get(int(row.proposal_id), ""), row.score) for row in ranking[:3]]


def _page(
    session: Session,
    request: Request,
    workshop: Workshop,
    participant: Participant | None,
    **extra: Any,
) -> dict[str, Any]:
    if "lang" not in request.query_params and i18n.LOCALE_COOKIE not in request.cookies:
        i18n.set_locale(workshop.language)  # the workshop's language, until someone switches
    base = public_base_url(request)
    context: dict[str, Any] = {
        # Read first (with the workshop row): every later event reaches the page live.
        "event_seq": workshop.event_seq,
        "city": session.get(City, workshop.city_id),
        "participant": participant,
        "groups": workshop.invited_groups,
        "age_bands": [a.value for a in AgeBand],
        "share_url": f"{base}/w/{workshop.join_code}",
        "og_image_url": f"{base}/static/og-image.png",
        "form": asdict(workshop_service.JoinDetails(group="")),  # the empty join form
        "text": "",
        "error": None,
        "group_error": None,
    }
    context |= ballot_context(session, request, workshop, participant)
    context |= state_context(session, workshop, vote_open=context["vote_round"] is not None)
    context |= wall_context(
        session,
        workshop,
        participant,
        before=_cursor(request.query_params.get("before")),
        cache=wall_cache(request),
    )
    context.update(extra)
    # Without JavaScript, a comment is written on the page itself (?comment=ID, or the form
    # that came back with an error); with htmx the form is fetched into the idea.
    comment_for = context.get("comment_for") or _cursor(request.query_params.get("comment"))
    if comment_for and context["can_post"]:
        try:
            context["commenting"] = idea_service.visible_idea(session, workshop, comment_for)
        except NotFound:
            context["commenting"] = None
    return context


@router.get("/join")
def join_form(request: Request, code: str = "") -> Response:
    return render(request, "participate/join.html", {"code": code, "error": None})


@router.post("/join")
def join_with_code(
    request: Request, session: SessionDep, code: Annotated[str, Form()] = ""
) -> Response:
    workshop = workshop_service.find_by_code(session, code)
    if workshop is None:
        error = (
            _("Please type the code shown on the screen.")
            if not code.strip()
            else _("No workshop has the code %(code)s. Check the code on the screen.")
            % {"code": code.strip()}
        )
        return render(
            request, "participate/join.html", {"code": code, "error": error}, status_code=404
        )
    return RedirectResponse(f"/w/{workshop.join_code}", status_code=303)


@router.get("/w/{code}")
def workshop_page(
    request: Request,
    session: SessionDep,
    workshop: WorkshopByCode,
    participant: OptionalParticipant,
) -> Response:
    return render(
        request, "participate/workshop.html", _page(session, request, workshop, participant)
    )


@router.get("/w/{code}/qr.svg")
def join_qr(request: Request, workshop: WorkshopByCode) -> Response:
    """The join link as a QR code, for projectors and printed posters."""
    url = public_base_url(request) + f"/w/{workshop.join_code}"
    svg = segno.make(url, error="m").svg_inline(scale=8, border=2, dark="#000", light="#fff")
    return Response(
        svg, media_type="image/svg+xml", headers={"Cache-Control": "public, max-age=86400"}
    )


@router.post("/w/{code}/participants")
def choose_group(
    request: Request,
    session: SessionDep,
    workshop: WorkshopByCode,
    participant: OptionalParticipant,
    details: JoinForm,
) -> Response:
    if participant is None:  # rejoining on the same device keeps the same participant

        def page(error: UserError) -> Response:
            context = _page(
                session, request, workshop, None, group_error=error.message, form=asdict(details)
            )
            return render(request, "participate/workshop.html", context)

        with refused_form(session, page):
            participant = workshop_service.join(session, workshop, details)
            remember_participant(request, session, participant)
        session.commit()
    return RedirectResponse(f"/w/{workshop.join_code}", status_code=303)


@router.post("/w/{code}/ideas")
def post_idea(
    request: Request,
    session: SessionDep,
    workshop: WorkshopByCode,
    participant: CurrentParticipant,
    text: Annotated[str, Form()] = "",
    client_key: Annotated[str, Form()] = "",
) -> Response:

    def page(error: UserError) -> Response:
        # Keep what the person typed: the form comes back with it and the reason.
        if is_htmx(request):
            context = {"workshop": workshop, "text": text, "error": error.message}
            return render(request, "participate/_idea_form.html", context)
        context = _page(session, request, workshop, participant, text=text, error=error.message)
        return render(request, "participate/workshop.html", context)

    with refused_form(session, page):
        idea, _created = idea_service.post(
            session, workshop, participant, text, client_key=client_key
        )
    session.commit()
    if is_htmx(request):
        # A fresh form, and the idea itself so the poster sees it before the live stream brings it.
        context = {
            "workshop": workshop,
            "text": "",
            "error": None,
            "sent": True,
            "sent_item": idea_service.wall_item(session, idea),
            "reacted": set(),
            "can_post": True,
        }
        return render(request, "participate/_idea_form.html", context)
    flash(request, _("Thank you! Your idea is on the wall."))
    return RedirectResponse(f"/w/{workshop.join_code}", status_code=303)


@router.post("/w/{code}/ideas/{idea_id}/comments")
def post_comment(
    idea_id: int,
    request: Request,
    session: SessionDep,
    workshop: WorkshopByCode,
    participant: CurrentParticipant,
    text: Annotated[str, Form()] = "",
    client_key: Annotated[str, Form()] = "",
) -> Response:

    def page(error: UserError) -> Response:
        extra = {"comment_error": error.message, "comment_for": idea_id, "comment_text": text}
        if not is_htmx(request):
            context = _page(session, request, workshop, participant, **extra)
            return render(request, "participate/workshop.html", context)
        commented = idea_service.visible_idea(session, workshop, idea_id)
        context = {"workshop": workshop, "idea": commented, **extra}
        return render(request, "participate/_comment_form.html", context)

    with refused_form(session, page, reraise_404=True):
        idea_service.post(
            session, workshop, participant, text, client_key=client_key, parent_id=idea_id
        )
    session.commit()
    if is_htmx(request):
        # Only a fresh form: the comment itself reaches every phone, this one included, live.
        commented = idea_service.visible_idea(session, workshop, idea_id)
        return render(
            request, "participate/_comment_form.html", {"workshop": workshop, "idea": commented}
        )
    flash(request, _("Thank you! Your comment is on the wall."))
    return RedirectResponse(f"/w/{workshop.join_code}#idea-{idea_id}", status_code=303)


@router.post("/w/{code}/ideas/{idea_id}/reactions")
def react(
    idea_id: int,
    request: Request,
    session: SessionDep,
    workshop: WorkshopByCode,
    participant: CurrentParticipant,
    on: Annotated[str, Form()] = "1",
) -> Response:
    idea_service.set_reaction(session, workshop, participant, idea_id, given=on != "0")
    session.commit()
    if is_htmx(request):
        item = idea_service.wall_item(
            session, idea_service.visible_idea(session, workshop, idea_id)
        )
        context = {
            "item": item,
            "workshop": workshop,
            "reacted": idea_service.reacted_ids(session, participant),
        }
        return render(request, "participate/_reaction.html", context)
    return RedirectResponse(f"/w/{workshop.join_code}#idea-{idea_id}", status_code=303)


@router.get("/w/{code}/wall")
def wall(
    request: Request,
    session: SessionDep,
    workshop: WorkshopByCode,
    participant: OptionalParticipant,
    before: int | None = None,
) -> Response:
    """The wall as this device should see it: the newest page, or with `before` the ideas
    after the "older ideas" link (to replace that link). Without htmx it is the whole page."""
    if not is_htmx(request):
        return render(
            request, "participate/workshop.html", _page(session, request, workshop, participant)
        )
    context = {"workshop": workshop}
    context |= wall_context(
        session, workshop, participant, before=before, cache=wall_cache(request)
    )
    template = "participate/_wall_list.html" if before is None else "participate/_wall_more.html"
    return render(request, template, context)


@router.get("/w/{code}/ideas/{idea_id}/comments")
def comment_form(
    idea_id: int,
    request: Request,
    session: SessionDep,
    workshop: WorkshopByCode,
    participant: OptionalParticipant,
) -> Response:
    """The comment form of one idea, fetched when someone starts a comment (one form, with a
    fresh key, instead of one in every idea of the wall)."""
    idea = idea_service.visible_idea(session, workshop, idea_id)
    if not is_htmx(request):
        context = _page(session, request, workshop, participant, comment_for=idea.id)
        return render(request, "participate/workshop.html", context)
    return render(request, "participate/_comment_form.html", {"workshop": workshop, "idea": idea})


@router.get("/w/{code}/ballot")
def ballot(
    request: Request,
    session: SessionDep,
    workshop: WorkshopByCode,
    participant: OptionalParticipant,
) -> Response:
    """This device's ballot (it knows what it already voted for); fetched when a vote opens."""
    if not is_htmx(request):
        return render(
            request, "participate/workshop.html", _page(session, request, workshop, participant)
        )
    context = {"workshop": workshop, "participant": participant}
    context |= ballot_context(session, request, workshop, participant)
    return render(request, "participate/_ballot.html", context)
