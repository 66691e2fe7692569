"""The facilitator's side of a workshop: set it up, run it live from the console, show it on
the projector, moderate the wall, type in paper notes, and report on participation."""

from datetime import date
from typing import Annotated, Any

import segno
from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field
from sqlmodel import Session
from starlette.responses import Response

from app.db import SessionDep
from app.deps import (
    FacilitatedWorkshop,
    Facilitator,
    FormFields,
    is_htmx,
    public_base_url,
    secret_key,
)
from app.domain.bounds import MAX_ID, is_id
from app.domain.errors import UserError
from app.domain.export import to_csv, to_xlsx
from app.domain.wall_view import WallView, wall_view
from app.i18n import gettext as _
from app.models import City, PhaseKind, StakeholderGroup, Workshop, WorkshopStatus, utcnow
from app.routes.forms import FormPage, check_day, confirm_first, refused_form
from app.services import cities as city_service
from app.services import eligibility, reports, voting
from app.services import ideas as idea_service
from app.services import plans as plan_service
from app.services import proposals as proposal_service
from app.services import workshops as workshop_service
from app.services.live import current_seq
from app.templating import flash, render

router = APIRouter(prefix="/staff/workshops", include_in_schema=False)
FormStr = Annotated[str, Form()]


def _int_or_none(value: str, message: str) -> int | None:
    value = value.strip()
    if not value:
        return None
    digits = value.translate(str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789"))  # Thai digits too
    if not is_id(digits):  # digits, and no more than the database's integers hold
        raise UserError(message, status_code=422)
    return int(digits)


def join_url(request: Request, workshop: Workshop) -> str:
    return public_base_url(request) + f"/w/{workshop.join_code}"


CONSOLE_PAGE_SIZE = 100  # ideas per page of the console; "older ideas" reaches the rest


def console_context(
    session: Session,
    workshop: Workshop,
    *,
    include_ideas: bool = True,
    before: int | None = None,
    view: WallView = WallView(),
) -> dict[str, Any]:
    """Everything the console and projector show; shared with live fragments."""
    clock = workshop_service.timer_of(workshop)
    context: dict[str, Any] = {
        "workshop": workshop,
        "city": session.get(City, workshop.city_id),
        "phase": workshop_service.current_phase(session, workshop),
        "phases": workshop_service.phases(session, workshop),
        "timer_remaining": clock.remaining(utcnow()),
        "timer_running": clock.running(),
        "counts": workshop_service.participation_counts(session, workshop),
        "groups": list(StakeholderGroup),
        "wall_count": idea_service.visible_count(session, workshop),
        # The state shown is as of this event number; app.js ignores an update older than
        # what a panel already shows, so a late event never undoes a fresher answer. It comes
        # from the same row read as the workshop itself; everything read after it is newer.
        "seq": workshop.event_seq,
        "view": view,
    }
    if include_ideas:
        page = idea_service.wall(
            session,
            workshop,
            include_hidden=True,
            limit=CONSOLE_PAGE_SIZE + 1,
            before=before,
            view=view,
        )
        context["console_items"] = page[:CONSOLE_PAGE_SIZE]
        context["console_older"] = (
            page[CONSOLE_PAGE_SIZE - 1].idea.id if len(page) > CONSOLE_PAGE_SIZE else None
        )
        context["console_before"] = before
        context["console_total"] = idea_service.moderation_count(session, workshop)
        context["promoted"] = proposal_service.promoted_idea_ids(session, workshop)
        context["items"] = [
            i
            for i in context["console_items"]
            if not i.idea.hidden and i.idea.duplicate_of_id is None
        ]
    return context


def proposals_context(session: Session, workshop: Workshop) -> dict[str, Any]:
    """The proposals panel: proposals, the vote rounds, and the latest closed round's ranking."""
    proposals = {p.id: p for p in proposal_service.for_workshop(session, workshop)}
    closed = voting.latest_closed_round(session, workshop)
    ranking = voting.results(session, closed).ranking(voting.primary_rule(closed)) if closed else []
    return {
        "promoted": proposal_service.promoted_idea_ids(session, workshop),
        "themes_to_promote": proposal_service.themes_to_promote(session, workshop),
        "proposals": list(proposals.values()),
        "rounds": voting.rounds_of_workshop(session, workshop),
        "closed_round": closed,
        "primary_rule": voting.primary_rule(closed) if closed else "dots",
        "ranked": [
            (row, proposals[row.proposal_id]) for row in ranking if row.proposal_id in proposals
        ],
    }


def _console(
    session: Session, request: Request, workshop: Workshop, **extra: Any
) -> dict[str, Any]:
    before = request.query_params.get("before", "")
    context = console_context(
        session,
        workshop,
        before=int(before) if is_id(before) else None,
        view=_view(request, workshop),
    )
    context |= proposals_context(session, workshop)
    context |= {
        "event_seq": current_seq(session, workshop.id or 0),
        "join_url": join_url(request, workshop),
        "facilitators": workshop_service.facilitators(session, workshop),
        "paper": {"text": "", "group": "", "table": ""},
        "paper_error": None,
        "presence": eligibility.panel(session, workshop, secret_key=secret_key(request)),
    }
    spot = workshop_service.spotlight_of(session, workshop)
    context["spotlight_id"] = spot.id if spot else None
    context.update(extra)
    return context


def _view(request: Request, workshop: Workshop) -> WallView:
    return wall_view(request.query_params, tuple(workshop.invited_groups))


def _back(
    request: Request, session: Session, workshop: Workshop, message: str, partial: str
) -> Response:
    """htmx gets the refreshed part of the console; plain forms get a redirect with a message."""
    if is_htmx(request):
        return render(request, partial, _console(session, request, workshop, notice=message))
    flash(request, message)
    return RedirectResponse(f"/staff/workshops/{workshop.id}", status_code=303)


# --- creating and editing ---------------------------------------------------------------


class WorkshopForm(BaseModel):
    """The fields of the new-workshop and edit-workshop forms, as typed."""

    city: str = ""
    title: str = ""
    description: str = ""
    held_on: str = ""
    venue: str = ""
    language: str = "th"
    invited_groups: list[str] = []

    def details(self, session: Session) -> workshop_service.WorkshopDetails:
        chosen = city_service.by_slug(session, self.city)
        if chosen is None:
            raise UserError(_("Please choose the city this workshop belongs to."), status_code=422)
        try:
            day = date.fromisoformat(self.held_on) if self.held_on else None
        except ValueError as exc:
            raise UserError(
                _("Please enter the date as day, month and year."), status_code=422
            ) from exc
        if day is not None:
            check_day(day)
        return workshop_service.WorkshopDetails(
            city=chosen,
            title=self.title,
            description=self.description,
            held_on=day,
            venue=self.venue,
            language=self.language or "th",
            invited_groups=tuple(self.invited_groups),
        )

    @classmethod
    def of(cls, session: Session, workshop: Workshop) -> "WorkshopForm":
        city = session.get(City, workshop.city_id)
        return cls(
            city=city.slug if city else "",
            title=workshop.title,
            description=workshop.description,
            held_on=workshop.held_on.isoformat() if workshop.held_on else "",
            venue=workshop.venue,
            language=workshop.language,
            invited_groups=list(workshop.invited_groups),
        )


NEW_FORM = WorkshopForm(invited_groups=[g.value for g in StakeholderGroup])


@router.get("/new")
def new_workshop(request: Request, session: SessionDep, user: Facilitator) -> Response:
    context = {"cities": city_service.list_cities(session), "form": NEW_FORM, "error": None}
    return render(request, "workshops/new.html", context)


@router.post("")
def create_workshop(
    request: Request, session: SessionDep, user: Facilitator, form: Annotated[WorkshopForm, Form()]
) -> Response:
    def page(error: UserError) -> Response:
        context = {
            "cities": city_service.list_cities(session),
            "form": form,
            "error": error.message,
        }
        return render(request, "workshops/new.html", context)

    with refused_form(session, page):
        workshop = workshop_service.create_workshop(session, form.details(session), created_by=user)
    session.commit()
    flash(request, _("Workshop created. Its join code is %(code)s.") % {"code": workshop.join_code})
    return RedirectResponse(f"/staff/workshops/{workshop.id}", status_code=303)


def _edit_context(
    session: Session, request: Request, workshop: Workshop, **extra: Any
) -> dict[str, Any]:
    context = {
        "workshop": workshop,
        "cities": city_service.list_cities(session),
        "form": WorkshopForm.of(session, workshop),
        "phases": workshop_service.phases(session, workshop),
        "phase_kinds": [k.value for k in PhaseKind],
        "facilitators": workshop_service.facilitators(session, workshop),
        "error": None,
        "agenda_error": None,
        "team_error": None,
    }
    context.update(extra)
    return context


@router.get("/{workshop_id}/edit")
def edit_workshop(request: Request, session: SessionDep, workshop: FacilitatedWorkshop) -> Response:
    return render(request, "workshops/edit.html", _edit_context(session, request, workshop))


@router.post("/{workshop_id}/edit")
def update_workshop(
    request: Request,
    session: SessionDep,
    workshop: FacilitatedWorkshop,
    form: Annotated[WorkshopForm, Form()],
) -> Response:
    with refused_form(session, _edit_page(request, session, workshop, "error", form=form)):
        workshop_service.update_workshop(session, workshop, form.details(session))
    session.commit()
    flash(request, _("The workshop is saved."))
    return RedirectResponse(f"/staff/workshops/{workshop.id}/edit", status_code=303)


def _edit_page(
    request: Request, session: Session, workshop: Workshop, error_key: str, **extra: Any
) -> FormPage:
    """The edit page again, the refusal shown where the form was (error, agenda_error...)."""

    def page(error: UserError) -> Response:
        context = _edit_context(session, request, workshop, **extra, **{error_key: error.message})
        return render(request, "workshops/edit.html", context)

    return page


@router.post("/{workshop_id}/phases")
def add_phase(
    request: Request,
    session: SessionDep,
    workshop: FacilitatedWorkshop,
    kind: FormStr = "custom",
    title: FormStr = "",
    time_box_minutes: FormStr = "",
) -> Response:
    with refused_form(session, _edit_page(request, session, workshop, "agenda_error")):
        if kind not in PhaseKind.__members__:
            raise UserError(_("Unknown kind of phase."), status_code=422)
        minutes = _int_or_none(time_box_minutes, _("Please enter the time box in whole minutes."))
        workshop_service.add_phase(
            session, workshop, kind=PhaseKind(kind), title=title, time_box_minutes=minutes
        )
    session.commit()
    return RedirectResponse(f"/staff/workshops/{workshop.id}/edit#agenda", status_code=303)


@router.post("/{workshop_id}/phases/{phase_id}")
def update_phase(
    phase_id: int,
    request: Request,
    session: SessionDep,
    workshop: FacilitatedWorkshop,
    title: FormStr = "",
    instructions: FormStr = "",
    time_box_minutes: FormStr = "",
) -> Response:
    agenda = _edit_page(request, session, workshop, "agenda_error")
    with refused_form(session, agenda, reraise_404=True):
        minutes = _int_or_none(time_box_minutes, _("Please enter the time box in whole minutes."))
        workshop_service.update_phase(
            session,
            workshop,
            phase_id,
            title=title,
            instructions=instructions,
            time_box_minutes=minutes,
        )
    session.commit()
    return RedirectResponse(f"/staff/workshops/{workshop.id}/edit#agenda", status_code=303)


@router.post("/{workshop_id}/phases/{phase_id}/move")
def move_phase(
    phase_id: int, session: SessionDep, workshop: FacilitatedWorkshop, direction: FormStr = ""
) -> Response:
    if direction not in ("up", "down"):
        raise UserError(_("Move a phase up or down."), status_code=422)
    workshop_service.move_phase(session, workshop, phase_id, -1 if direction == "up" else 1)
    session.commit()
    return RedirectResponse(f"/staff/workshops/{workshop.id}/edit#agenda", status_code=303)


@router.post("/{workshop_id}/phases/{phase_id}/delete")
def delete_phase(phase_id: int, session: SessionDep, workshop: FacilitatedWorkshop) -> Response:
    workshop_service.delete_phase(session, workshop, phase_id)
    session.commit()
    return RedirectResponse(f"/staff/workshops/{workshop.id}/edit#agenda", status_code=303)


@router.post("/{workshop_id}/facilitators")
def add_facilitator(
    request: Request, session: SessionDep, workshop: FacilitatedWorkshop, email: FormStr = ""
) -> Response:
    with refused_form(session, _edit_page(request, session, workshop, "team_error")):
        account = workshop_service.add_facilitator(session, workshop, email)
    session.commit()
    flash(request, _("%(name)s can now run this workshop.") % {"name": account.display_name})
    return RedirectResponse(f"/staff/workshops/{workshop.id}/edit#team", status_code=303)


@router.post("/{workshop_id}/facilitators/{account_id}/remove")
def remove_facilitator(
    account_id: int, session: SessionDep, workshop: FacilitatedWorkshop
) -> Response:
    workshop_service.remove_facilitator(session, workshop, account_id)
    session.commit()
    return RedirectResponse(f"/staff/workshops/{workshop.id}/edit#team", status_code=303)


# --- running it live ---------------------------------------------------------------------


@router.get("/{workshop_id}")
def console(request: Request, session: SessionDep, workshop: FacilitatedWorkshop) -> Response:
    return render(request, "workshops/console.html", _console(session, request, workshop))


@router.get("/{workshop_id}/projector")
def projector(request: Request, session: SessionDep, workshop: FacilitatedWorkshop) -> Response:
    """Big, high-contrast screen for the hall: code, QR, phase, timer and the idea wall."""
    url = join_url(request, workshop)
    context = _console(session, request, workshop)
    context["qr_svg"] = segno.make(url, error="m").svg_inline(
        scale=10, border=2, dark="#000", light="#fff", omitsize=True
    )
    context["short_url"] = url.split("://", 1)[-1]
    context["spotlight"] = workshop_service.spotlight_of(session, workshop)
    return render(request, "workshops/projector.html", context)


@router.get("/{workshop_id}/projector/wall")
def projector_wall(
    request: Request, session: SessionDep, workshop: FacilitatedWorkshop
) -> Response:
    """The projector's wall in a sorted or filtered view, fetched again on each change (live
    events insert new ideas on top, which only suits the newest-first wall)."""
    return render(request, "workshops/_projector_list.html", _console(session, request, workshop))


@router.get("/{workshop_id}/projector/vote")
def projector_vote(
    request: Request, session: SessionDep, workshop: FacilitatedWorkshop
) -> Response:
    """The vote on the projector: turnout while it runs (results only if revealed), then the
    frozen result. Polled for the ballot count (ballots send no live events); opening,
    revealing and closing arrive at once through the projector's event stream."""
    return render(
        request, "workshops/_projector_vote.html", projector_vote_context(session, workshop)
    )


def projector_vote_context(session: Session, workshop: Workshop) -> dict[str, Any]:
    """What the projector's vote panel shows; shared with its live fragment."""
    vote_round = voting.open_round_of(session, workshop) or voting.latest_closed_round(
        session, workshop
    )
    context: dict[str, Any] = {"workshop": workshop, "vote_round": vote_round}
    if vote_round is not None:
        context["ballots"] = voting.ballot_count(session, vote_round)
        if voting.results_public(vote_round):
            rule = voting.primary_rule(vote_round)
            ranking = voting.results(session, vote_round).ranking(rule)[:8]
            titles: dict[int | str, str] = {
                e.proposal.id or 0: e.proposal.title
                for e in voting.ballot_entries(session, vote_round)
            }
            top = max((row.score for row in ranking), default=0) or 1
            context["rule"] = rule
            context["bars"] = [
                (titles.get(row.proposal_id, ""), row.score, round(100 * row.score / top))
                for row in ranking
            ]
    return context


@router.post("/{workshop_id}/phase")
def change_phase(
    request: Request,
    session: SessionDep,
    workshop: FacilitatedWorkshop,
    direction: FormStr = "",
    phase_id: FormStr = "",
) -> Response:
    if direction in ("next", "previous"):
        workshop_service.step_phase(session, workshop, 1 if direction == "next" else -1)
    elif is_id(phase_id):
        workshop_service.go_to_phase(session, workshop, int(phase_id))
    else:
        raise UserError(_("Choose the next or previous phase."), status_code=422)
    session.commit()
    return _back(
        request, session, workshop, _("The phase has changed."), "workshops/_run_panel.html"
    )


@router.post("/{workshop_id}/timer")
def control_timer(
    request: Request,
    session: SessionDep,
    workshop: FacilitatedWorkshop,
    action: FormStr = "",
    minutes: FormStr = "",
) -> Response:
    value = (
        _int_or_none(minutes, _("Please enter the timer in whole minutes."))
        if action == "start"
        else None
    )
    workshop_service.control_timer(session, workshop, action, value)
    session.commit()
    return _back(
        request, session, workshop, _("The timer is updated."), "workshops/_run_panel.html"
    )


@router.post("/{workshop_id}/posting")
def set_posting(
    request: Request, session: SessionDep, workshop: FacilitatedWorkshop, locked: FormStr = ""
) -> Response:
    if locked not in ("0", "1"):
        raise UserError(_("Choose whether posting is open or paused."), status_code=422)
    workshop_service.set_posting_locked(session, workshop, locked == "1")
    session.commit()
    message = _("Posting is paused.") if locked == "1" else _("Posting is open.")
    return _back(request, session, workshop, message, "workshops/_run_panel.html")


@router.post("/{workshop_id}/status")
def set_status(
    request: Request,
    session: SessionDep,
    workshop: FacilitatedWorkshop,
    status: FormStr = "",
    confirm: FormStr = "",
) -> Response:
    if status not in WorkshopStatus.__members__:
        raise UserError(_("Unknown workshop status."), status_code=422)
    if status == WorkshopStatus.closed and workshop.status == "open" and confirm != "yes":
        return confirm_first(
            request,
            action=f"/staff/workshops/{workshop.id}/status",
            title=_("Close the workshop?"),
            message=_(
                "Phones can no longer post ideas, comment or +1, and they show a thank-you "
                "with the results. You can reopen it later."
            ),
            confirm_label=_("Close the workshop"),
            cancel_url=f"/staff/workshops/{workshop.id}",
            fields={"status": "closed"},
        )
    workshop_service.set_status(session, workshop, WorkshopStatus(status))
    session.commit()
    message = (
        _("The workshop is open.")
        if status == WorkshopStatus.open
        else _("The workshop is closed.")
    )
    return _back(request, session, workshop, message, "workshops/_run_panel.html")


@router.post("/{workshop_id}/paper-ideas")
def add_paper_ideas(
    request: Request,
    session: SessionDep,
    user: Facilitator,
    workshop: FacilitatedWorkshop,
    text: FormStr = "",
    stakeholder_group: FormStr = "",
    table_number: FormStr = "",
) -> Response:
    """One note, or many pasted one per line; all are saved or none."""
    paper = {"text": text, "group": stakeholder_group, "table": table_number}

    def page(error: UserError) -> Response:
        context = _console(session, request, workshop, paper=paper, paper_error=error.message)
        template = "workshops/_paper_form.html" if is_htmx(request) else "workshops/console.html"
        return render(request, template, context)

    with refused_form(session, page):
        table = _int_or_none(table_number, _("Please enter the table number in digits."))
        notes = idea_service.add_paper_notes(
            session,
            workshop,
            pasted=text,
            group=stakeholder_group,
            table_number=table,
            entered_by=user,
        )
    session.commit()
    message = _("%(count)s paper notes are on the wall.") % {"count": len(notes)}
    if is_htmx(request):
        kept = {
            "text": "",
            "group": stakeholder_group,
            "table": table_number,
        }  # same table, next notes
        context = _console(session, request, workshop, paper=kept, paper_saved=message)
        return render(request, "workshops/_paper_form.html", context)
    flash(request, message)
    return RedirectResponse(f"/staff/workshops/{workshop.id}", status_code=303)


# --- moderation -------------------------------------------------------------------------


@router.get("/{workshop_id}/ideas")
def console_ideas(request: Request, session: SessionDep, workshop: FacilitatedWorkshop) -> Response:
    template = "workshops/_console_ideas.html" if is_htmx(request) else "workshops/console.html"
    return render(request, template, _console(session, request, workshop))


@router.get("/{workshop_id}/ideas/{idea_id}/edit")
def edit_idea_form(
    idea_id: int, request: Request, session: SessionDep, workshop: FacilitatedWorkshop
) -> Response:
    idea = idea_service.idea_of(session, workshop, idea_id)
    context = {"workshop": workshop, "idea": idea, "text": idea.text, "error": None}
    template = "workshops/_edit_idea.html" if is_htmx(request) else "workshops/edit_idea.html"
    return render(request, template, context)


@router.post("/{workshop_id}/ideas/{idea_id}/edit")
def edit_idea(
    idea_id: int,
    request: Request,
    session: SessionDep,
    workshop: FacilitatedWorkshop,
    text: FormStr = "",
) -> Response:

    def page(error: UserError) -> Response:
        idea = idea_service.idea_of(session, workshop, idea_id)
        context = {"workshop": workshop, "idea": idea, "text": text, "error": error.message}
        template = "workshops/_edit_idea.html" if is_htmx(request) else "workshops/edit_idea.html"
        return render(request, template, context)

    with refused_form(session, page, reraise_404=True):
        idea_service.edit(session, workshop, idea_id, text)
    session.commit()
    return _back(
        request, session, workshop, _("The idea is corrected."), "workshops/_console_ideas.html"
    )


@router.post("/{workshop_id}/ideas/{idea_id}/hide")
def hide_idea(
    idea_id: int,
    request: Request,
    session: SessionDep,
    user: Facilitator,
    workshop: FacilitatedWorkshop,
    reason: FormStr = "",
) -> Response:
    idea_service.hide(session, workshop, idea_id, reason=reason, by=user)
    session.commit()
    return _back(
        request,
        session,
        workshop,
        _("The idea is hidden from the wall."),
        "workshops/_console_ideas.html",
    )


@router.post("/{workshop_id}/ideas/{idea_id}/restore")
def restore_idea(
    idea_id: int, request: Request, session: SessionDep, workshop: FacilitatedWorkshop
) -> Response:
    idea_service.restore(session, workshop, idea_id)
    session.commit()
    return _back(
        request,
        session,
        workshop,
        _("The idea is back on the wall."),
        "workshops/_console_ideas.html",
    )


@router.post("/{workshop_id}/ideas/{idea_id}/duplicate")
def mark_duplicate(
    idea_id: int,
    request: Request,
    session: SessionDep,
    workshop: FacilitatedWorkshop,
    of: FormStr = "",
) -> Response:

    def page(error: UserError) -> Response:
        """The error next to the merge field of this idea; no stale success message."""
        context = _console(session, request, workshop)
        context["item_errors"] = {idea_id: error.message}
        context["typed_of"] = of
        template = "workshops/_console_ideas.html" if is_htmx(request) else "workshops/console.html"
        return render(request, template, context)

    with refused_form(session, page, reraise_404=True):
        target = _int_or_none(of, _("Enter the number of the idea it repeats."))
        if target is None:
            raise UserError(_("Enter the number of the idea it repeats."), status_code=422)
        idea_service.mark_duplicate(session, workshop, idea_id, target)
    session.commit()
    return _back(
        request, session, workshop, _("The ideas are merged."), "workshops/_console_ideas.html"
    )


@router.post("/{workshop_id}/ideas/{idea_id}/unduplicate")
def unmark_duplicate(
    idea_id: int, request: Request, session: SessionDep, workshop: FacilitatedWorkshop
) -> Response:
    idea_service.unmark_duplicate(session, workshop, idea_id)
    session.commit()
    return _back(
        request,
        session,
        workshop,
        _("The idea stands on its own again."),
        "workshops/_console_ideas.html",
    )


@router.post("/{workshop_id}/spotlight")
def spotlight_idea(
    request: Request, session: SessionDep, workshop: FacilitatedWorkshop, idea_id: FormStr = ""
) -> Response:
    """One idea full screen on the projector; an empty idea_id brings the wall back."""
    chosen = _int_or_none(idea_id, _("Choose an idea to show."))
    workshop_service.spotlight(session, workshop, chosen)
    session.commit()
    message = (
        _("Idea #%(id)s is on the projector.") % {"id": chosen}
        if chosen
        else _("The projector shows the wall again.")
    )
    return _back(request, session, workshop, message, "workshops/_console_ideas.html")


@router.post("/{workshop_id}/ideas/{idea_id}/promote")
def promote_idea(
    idea_id: int,
    request: Request,
    session: SessionDep,
    user: Facilitator,
    workshop: FacilitatedWorkshop,
) -> Response:
    proposal = proposal_service.promote_idea(session, workshop, idea_id, user)
    session.commit()
    message = _("Proposal #%(id)s created.") % {"id": proposal.id}
    if is_htmx(request):
        context = _console(session, request, workshop, notice=message)
        context["promoted_items"] = [
            idea_service.wall_item(session, idea_service.idea_of(session, workshop, idea_id))
        ]
        return render(request, "workshops/_promoted.html", context)
    return _back(request, session, workshop, message, "workshops/_proposals.html")


@router.post("/{workshop_id}/proposals/promote")
def promote_together(
    request: Request,
    session: SessionDep,
    user: Facilitator,
    workshop: FacilitatedWorkshop,
    form: FormFields,
) -> Response:
    """The console's two ways to one proposal: the ideas ticked on the list (idea_id, several)
    or one of the workshop's themes (theme_id). Without JavaScript too; a refusal shows the
    console again with the reason at the form that was sent."""
    ideas = [v for v in form.getlist("idea_id") if isinstance(v, str)]
    theme = str(form.get("theme_id") or "")

    def page(error: UserError) -> Response:
        where = "theme_error" if theme else "select_error"
        kept = {int(v) for v in ideas if is_id(v)}  # the ticks stay as they were
        context = _console(session, request, workshop, selected=kept, **{where: error.message})
        return render(request, "workshops/console.html", context)

    with refused_form(session, page):
        if theme and ideas:
            raise UserError(_("Choose ideas or a theme, not both."), status_code=422)
        if theme:
            chosen = _int_or_none(theme, _("Choose a theme from the list."))
            proposal = proposal_service.promote_theme(session, workshop, chosen or 0, user)
        else:
            if not all(is_id(v) for v in ideas):
                raise UserError(_("Choose ideas from the list."), status_code=422)
            proposal = proposal_service.promote_ideas(
                session, workshop, [int(v) for v in ideas], user
            )
    session.commit()
    flash(request, _("Proposal #%(id)s created. You can reword it here.") % {"id": proposal.id})
    city = session.get(City, workshop.city_id)
    return RedirectResponse(
        f"/cities/{city.slug if city else ''}/proposals/{proposal.id}", status_code=303
    )


# --- proposals and agreed priorities (vote rounds live in app.routes.rounds) ------------


@router.get("/{workshop_id}/proposals")
def console_proposals(
    request: Request, session: SessionDep, workshop: FacilitatedWorkshop
) -> Response:
    template = "workshops/_proposals.html" if is_htmx(request) else "workshops/console.html"
    return render(request, template, _console(session, request, workshop))


@router.post("/{workshop_id}/priorities")
def agree_priorities(
    request: Request,
    session: SessionDep,
    user: Facilitator,
    workshop: FacilitatedWorkshop,
    proposal_id: Annotated[list[Annotated[int, Field(ge=1, le=MAX_ID)]] | None, Form()] = None,
) -> Response:
    items = plan_service.agree_priorities(session, workshop, proposal_id or [], user)
    session.commit()
    message = _("%(count)s agreed priorities added to the draft plan.") % {"count": len(items)}
    return _back(request, session, workshop, message, "workshops/_proposals.html")


# --- after the session --------------------------------------------------------------------


@router.get("/{workshop_id}/report")
def report(request: Request, session: SessionDep, workshop: FacilitatedWorkshop) -> Response:
    context = {
        "workshop": workshop,
        "city": session.get(City, workshop.city_id),
        "report": reports.workshop_attendance(session, workshop),
    }
    return render(request, "workshops/report.html", context)


@router.get("/{workshop_id}/ideas.csv")
def ideas_csv(session: SessionDep, workshop: FacilitatedWorkshop) -> Response:
    """Every idea and comment (not hidden), for planners' own sheets."""
    rows = reports.idea_export(session, workshop)
    return Response(
        to_csv(reports.IDEA_EXPORT_HEADER, rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="workshop-{workshop.id}-ideas.csv"'},
    )


@router.get("/{workshop_id}/ideas.xlsx")
def ideas_xlsx(session: SessionDep, workshop: FacilitatedWorkshop) -> Response:
    rows = reports.idea_export(session, workshop)
    return Response(
        to_xlsx(reports.IDEA_EXPORT_HEADER, rows, title="ideas"),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={
            "Content-Disposition": f'attachment; filename="workshop-{workshop.id}-ideas.xlsx"'
        },
    )


@router.get("/{workshop_id}/report.csv")
def report_csv(session: SessionDep, workshop: FacilitatedWorkshop) -> Response:
    header, rows = reports.attendance_csv_rows(reports.workshop_attendance(session, workshop))
    return Response(
        to_csv(header, rows),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="workshop-{workshop.id}-participation.csv"'
        },
    )
