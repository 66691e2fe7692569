"""The themes board: find themes in a workshop's comments, then rename, merge, split, move,
pin and promote them; and the themes on the projector."""

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from sqlmodel import Session
from starlette.responses import Response

from app.db import SessionDep
from app.deps import FacilitatedWorkshop, Facilitator
from app.errors import NotFound, UserError
from app.i18n import gettext as _
from app.models import City, RunStatus, ThemeRun, Workshop
from app.services import themes as theme_service
from app.templating import flash, render

router = APIRouter(prefix="/staff/workshops", include_in_schema=False)


def board_context(session: Session, workshop: Workshop) -> dict[str, Any]:
    latest = theme_service.latest_run(session, workshop)
    shown = theme_service.latest_done_run(session, workshop)
    cards = theme_service.board(session, shown) if shown else []
    city = session.get(City, workshop.city_id)
    return {
        "workshop": workshop,
        "city": city,
        "latest": latest,
        "shown": shown,
        "cards": cards,
        "choices": [c.theme for c in cards],
        "promoted": theme_service.proposals_from_themes(session, shown) if shown else {},
        "comment_count": len(theme_service.clusterable_ideas(session, workshop)),
        "city_words": "\n".join(theme_service.city_words(session, workshop.city_id)),
        "run_error": theme_service.run_error_message(latest)
        if latest and latest.status == RunStatus.failed
        else None,
    }


def _board(workshop: Workshop, anchor: str = "") -> RedirectResponse:
    return RedirectResponse(f"/staff/workshops/{workshop.id}/themes{anchor}", status_code=303)


@router.get("/{workshop_id}/themes")
def themes_board(request: Request, session: SessionDep, workshop: FacilitatedWorkshop) -> Response:
    return render(request, "themes/board.html", board_context(session, workshop))


@router.post("/{workshop_id}/themes/runs")
def run_clustering(
    request: Request,
    session: SessionDep,
    user: Facilitator,
    workshop: FacilitatedWorkshop,
    themes: Annotated[str, Form()] = "",
) -> Response:
    raw = themes.strip()
    if raw and not raw.isdigit():
        raise UserError(_("The number of themes must be a whole number."), status_code=422)
    theme_service.start_run(
        session,
        workshop,
        user,
        request.app.state.theme_runner,
        n_themes=int(raw) if raw else None,
    )
    return _board(workshop)


@router.get("/{workshop_id}/themes/runs/{run_id}")
def run_progress(
    request: Request, session: SessionDep, workshop: FacilitatedWorkshop, run_id: int
) -> Response:
    """Polled by the board while a run is going; when it ends, the board reloads."""
    run = session.get(ThemeRun, run_id)
    if run is None or run.workshop_id != workshop.id:
        raise NotFound(_("There is no such version of the themes."))
    response = render(request, "themes/_progress.html", {"workshop": workshop, "latest": run})
    if run.status != RunStatus.running:
        response.headers["HX-Refresh"] = "true"
    return response


@router.post("/{workshop_id}/themes/{theme_id}/rename")
def rename_theme(
    session: SessionDep,
    workshop: FacilitatedWorkshop,
    theme_id: int,
    label: Annotated[str, Form()] = "",
) -> Response:
    theme = theme_service.get_theme(session, workshop, theme_id)
    theme_service.rename(session, workshop, theme, label)
    session.commit()
    return _board(workshop, f"#theme-{theme.id}")


@router.post("/{workshop_id}/themes/{theme_id}/pin")
def pin_theme(
    session: SessionDep,
    workshop: FacilitatedWorkshop,
    theme_id: int,
    pinned: Annotated[str, Form()] = "1",
) -> Response:
    theme = theme_service.get_theme(session, workshop, theme_id)
    theme_service.set_pinned(session, workshop, theme, pinned == "1")
    session.commit()
    return _board(workshop, f"#theme-{theme.id}")


@router.post("/{workshop_id}/themes/{theme_id}/merge")
def merge_theme(
    session: SessionDep,
    workshop: FacilitatedWorkshop,
    theme_id: int,
    other: Annotated[str, Form()] = "",
) -> Response:
    if not other.isdigit():
        raise UserError(_("Choose the theme to merge with."), status_code=422)
    into = theme_service.get_theme(session, workshop, theme_id)
    merged = theme_service.merge(
        session, workshop, into, theme_service.get_theme(session, workshop, int(other))
    )
    session.commit()
    return _board(workshop, f"#theme-{merged.id}")


@router.post("/{workshop_id}/themes/{theme_id}/split")
def split_theme(
    request: Request, session: SessionDep, workshop: FacilitatedWorkshop, theme_id: int
) -> Response:
    theme = theme_service.get_theme(session, workshop, theme_id)
    parts = theme_service.split(session, workshop, theme)
    session.commit()
    flash(request, _("The theme is split in %(num)s.") % {"num": len(parts)})
    return _board(workshop, f"#theme-{parts[0].id}" if parts else "")


@router.post("/{workshop_id}/themes/move")
def move_comment(
    session: SessionDep,
    workshop: FacilitatedWorkshop,
    idea_id: Annotated[str, Form()] = "",
    theme_id: Annotated[str, Form()] = "",
) -> Response:
    if not (idea_id.isdigit() and theme_id.isdigit()):
        raise UserError(_("Choose a comment and the theme to move it to."), status_code=422)
    target = theme_service.get_theme(session, workshop, int(theme_id))
    theme_service.move(session, workshop, int(idea_id), target)
    session.commit()
    return _board(workshop, f"#theme-{target.id}")


@router.post("/{workshop_id}/themes/{theme_id}/promote")
def promote_theme(
    request: Request,
    session: SessionDep,
    user: Facilitator,
    workshop: FacilitatedWorkshop,
    theme_id: int,
) -> Response:
    theme = theme_service.get_theme(session, workshop, theme_id)
    proposal = theme_service.promote(session, workshop, theme, user)
    session.commit()
    flash(request, _("“%(title)s” is now a proposal.") % {"title": proposal.title})
    return _board(workshop, f"#theme-{theme.id}")


@router.post("/{workshop_id}/themes/words")
def save_city_words(
    request: Request,
    session: SessionDep,
    workshop: FacilitatedWorkshop,
    words: Annotated[str, Form()] = "",
) -> Response:
    city = session.get(City, workshop.city_id)
    if city is None:
        raise NotFound(_("This workshop's city no longer exists."))
    saved = theme_service.set_city_words(session, city, words)
    session.commit()
    flash(
        request,
        _("%(num)s words saved for the city. Run the clustering again to use them.")
        % {"num": len(saved)},
    )
    return _board(workshop, "#city-words")


@router.get("/{workshop_id}/themes/projector")
def themes_projector(
    request: Request, session: SessionDep, workshop: FacilitatedWorkshop
) -> Response:
    return render(request, "themes/projector.html", board_context(session, workshop))
