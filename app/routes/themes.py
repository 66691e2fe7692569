"""The themes board: find themes in comments, then rename, merge, split, move, pin and
promote them; and the themes on the projector. The same board serves one workshop (its
facilitators) and a whole city board (its planners): one set of handlers, two prefixes."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from sqlmodel import Session
from starlette.responses import Response

from app.db import SessionDep
from app.deps import FacilitatedWorkshop, Facilitator, PlannedCity, Planner
from app.domain.bounds import is_id
from app.domain.errors import NotFound, UserError
from app.i18n import gettext as _
from app.models import City, RunStatus, StaffAccount, ThemeRun
from app.services import themes as theme_service
from app.services.themes import Scope
from app.templating import flash, render


@dataclass(frozen=True)
class Board:
    """Whose themes, who is working on them, and where the board lives."""

    scope: Scope
    user: StaffAccount
    base: str


def workshop_board(session: SessionDep, user: Facilitator, workshop: FacilitatedWorkshop) -> Board:
    city = session.get(City, workshop.city_id)
    if city is None:
        raise NotFound(_("This workshop's city no longer exists."))
    return Board(Scope(city, workshop), user, f"/staff/workshops/{workshop.id}/themes")


def city_board(user: Planner, city: PlannedCity) -> Board:
    return Board(Scope(city), user, f"/staff/cities/{city.slug}/themes")


def board_context(session: Session, board: Board) -> dict[str, Any]:
    scope = board.scope
    latest = theme_service.latest_run(session, scope)
    shown = theme_service.latest_done_run(session, scope)
    cards = theme_service.board(session, shown) if shown else []
    return {
        "scope": scope,
        "workshop": scope.workshop,
        "city": scope.city,
        "base": board.base,
        "latest": latest,
        "shown": shown,
        "cards": cards,
        "choices": [c.theme for c in cards],
        "promoted": theme_service.proposals_from_themes(session, shown) if shown else {},
        "comment_count": len(theme_service.clusterable_ideas(session, scope)),
        "city_words": "\n".join(theme_service.city_words(session, scope.city.id or 0)),
        "run_error": theme_service.run_error_message(latest)
        if latest and latest.status == RunStatus.failed
        else None,
    }


def _back(board: Board, anchor: str = "") -> RedirectResponse:
    return RedirectResponse(f"{board.base}{anchor}", status_code=303)


def make_router(prefix: str, dependency: Callable[..., Board]) -> APIRouter:
    router = APIRouter(prefix=prefix, include_in_schema=False)
    BoardDep = Annotated[Board, Depends(dependency)]

    @router.get("")
    def themes_board(request: Request, session: SessionDep, board: BoardDep) -> Response:
        return render(request, "themes/board.html", board_context(session, board))

    @router.post("/runs")
    def run_clustering(
        request: Request,
        session: SessionDep,
        board: BoardDep,
        themes: Annotated[str, Form()] = "",
    ) -> Response:
        raw = themes.strip()
        if raw and not is_id(raw):  # the service bounds the number
            raise UserError(_("The number of themes must be a whole number."), status_code=422)
        theme_service.start_run(
            session,
            board.scope,
            board.user,
            request.app.state.theme_runner,
            n_themes=int(raw) if raw else None,
        )
        return _back(board)

    @router.get("/runs/{run_id}")
    def run_progress(
        request: Request, session: SessionDep, board: BoardDep, run_id: int
    ) -> Response:
        """Polled by the board while a run is going; when it ends, the board reloads."""
        run = session.get(ThemeRun, run_id)
        if run is None or theme_service.scope_of_run(session, run).key != board.scope.key:
            raise NotFound(_("There is no such version of the themes."))
        context = {"base": board.base, "latest": run}
        response = render(request, "themes/_progress.html", context)
        if run.status != RunStatus.running:
            response.headers["HX-Refresh"] = "true"
        return response

    @router.post("/{theme_id}/rename")
    def rename_theme(
        session: SessionDep,
        board: BoardDep,
        theme_id: int,
        label: Annotated[str, Form()] = "",
    ) -> Response:
        theme = theme_service.get_theme(session, board.scope, theme_id)
        theme_service.rename(session, board.scope, theme, label)
        session.commit()
        return _back(board, f"#theme-{theme.id}")

    @router.post("/{theme_id}/pin")
    def pin_theme(
        session: SessionDep,
        board: BoardDep,
        theme_id: int,
        pinned: Annotated[str, Form()] = "1",
    ) -> Response:
        theme = theme_service.get_theme(session, board.scope, theme_id)
        theme_service.set_pinned(session, board.scope, theme, pinned == "1")
        session.commit()
        return _back(board, f"#theme-{theme.id}")

    @router.post("/{theme_id}/merge")
    def merge_theme(
        session: SessionDep,
        board: BoardDep,
        theme_id: int,
        other: Annotated[str, Form()] = "",
    ) -> Response:
        if not is_id(other):
            raise UserError(_("Choose the theme to merge with."), status_code=422)
        into = theme_service.get_theme(session, board.scope, theme_id)
        second = theme_service.get_theme(session, board.scope, int(other))
        merged = theme_service.merge(session, board.scope, into, second)
        session.commit()
        return _back(board, f"#theme-{merged.id}")

    @router.post("/{theme_id}/split")
    def split_theme(
        request: Request, session: SessionDep, board: BoardDep, theme_id: int
    ) -> Response:
        theme = theme_service.get_theme(session, board.scope, theme_id)
        parts = theme_service.split(session, board.scope, theme)
        session.commit()
        flash(request, _("The theme is split in %(num)s.") % {"num": len(parts)})
        return _back(board, f"#theme-{parts[0].id}" if parts else "")

    @router.post("/move")
    def move_comment(
        session: SessionDep,
        board: BoardDep,
        idea_id: Annotated[str, Form()] = "",
        theme_id: Annotated[str, Form()] = "",
    ) -> Response:
        if not (is_id(idea_id) and is_id(theme_id)):
            raise UserError(_("Choose a comment and the theme to move it to."), status_code=422)
        target = theme_service.get_theme(session, board.scope, int(theme_id))
        theme_service.move(session, board.scope, int(idea_id), target)
        session.commit()
        return _back(board, f"#theme-{target.id}")

    @router.post("/{theme_id}/promote")
    def promote_theme(
        request: Request, session: SessionDep, board: BoardDep, theme_id: int
    ) -> Response:
        theme = theme_service.get_theme(session, board.scope, theme_id)
        proposal = theme_service.promote(session, board.scope, theme, board.user)
        session.commit()
        flash(request, _("“%(title)s” is now a proposal.") % {"title": proposal.title})
        return _back(board, f"#theme-{theme.id}")

    @router.post("/words")
    def save_city_words(
        request: Request,
        session: SessionDep,
        board: BoardDep,
        words: Annotated[str, Form()] = "",
    ) -> Response:
        saved = theme_service.set_city_words(session, board.scope.city, words)
        session.commit()
        flash(
            request,
            _("%(num)s words saved for the city. Run the clustering again to use them.")
            % {"num": len(saved)},
        )
        return _back(board, "#city-words")

    @router.get("/projector")
    def themes_projector(request: Request, session: SessionDep, board: BoardDep) -> Response:
        return render(request, "themes/projector.html", board_context(session, board))

    return router


# One board, two places: a workshop's and a city's.
router = APIRouter()
router.include_router(make_router("/staff/workshops/{workshop_id}/themes", workshop_board))
router.include_router(make_router("/staff/cities/{slug}/themes", city_board))
