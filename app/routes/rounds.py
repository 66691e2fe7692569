"""Running vote rounds: set one up for a workshop or a city board, open, close, reveal,
export the anonymized ballots, and hand out one-time codes."""

from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import segno
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from sqlmodel import Session
from starlette.datastructures import FormData
from starlette.responses import Response

from app.db import SessionDep
from app.deps import AnyStaff, FacilitatedWorkshop, Facilitator, FormFields, Planner
from app.domain.code_cards import CardText, code_cards_pdf
from app.domain.eligibility import Eligibility
from app.errors import NotFound, UserError
from app.i18n import gettext as _
from app.models import City, StaffAccount, VoteMethod, VoteRound, Workshop
from app.models.workshop import GROUP_VALUES
from app.services import cities as city_service
from app.services import eligibility, voting
from app.templating import render

router = APIRouter(prefix="/staff", include_in_schema=False)
BANGKOK = ZoneInfo("Asia/Bangkok")


def managed_round(round_id: int, session: SessionDep, user: AnyStaff) -> VoteRound:
    vote_round = voting.get_round(session, round_id)
    voting.ensure_can_manage(session, user, vote_round)
    return vote_round


ManagedRound = Annotated[VoteRound, Depends(managed_round)]


def _secret(request: Request) -> str:
    return str(request.app.state.settings.secret_key)


def _city(session: Session, slug: str, user: StaffAccount) -> City:
    city = city_service.by_slug(session, slug)
    if city is None:
        raise NotFound(_("There is no city with this identifier."))
    if user.role == "planner" and user.city_id not in (None, city.id):
        raise UserError(_("You plan for another city."), status_code=403)
    return city


# --- setting up ---------------------------------------------------------------------------------


def _int_field(form: FormData, name: str, label: str) -> int | None:
    raw = str(form.get(name) or "").strip().replace(",", "")
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError as error:
        raise UserError(
            _("%(field)s must be a whole number.") % {"field": label}, status_code=422
        ) from error


def _time_field(form: FormData, name: str) -> datetime | None:
    raw = str(form.get(name) or "").strip()
    if not raw:
        return None
    try:
        return datetime.fromisoformat(raw).replace(tzinfo=BANGKOK)
    except ValueError as error:
        raise UserError(
            _("Enter a date and time such as 2026-12-01 09:00."), status_code=422
        ) from error


def _settings(form: FormData) -> voting.RoundSettings:
    method_raw = str(form.get("method") or "")
    if method_raw not in {m.value for m in VoteMethod}:
        raise UserError(_("Choose how people vote."), status_code=422)
    proposal_ids: list[int] = []
    for raw in form.getlist("proposal"):
        if not str(raw).isdigit():
            raise UserError(
                _("Some of the chosen proposals are not on this board."), status_code=422
            )
        proposal_ids.append(int(str(raw)))
    costs: dict[int, int] = {}
    if method_raw == VoteMethod.budget:
        for pid in proposal_ids:
            cost = _int_field(form, f"cost-{pid}", _("Cost"))
            if cost is not None:
                costs[pid] = cost
    return voting.RoundSettings(
        question=str(form.get("question") or ""),
        method=VoteMethod(method_raw),
        proposal_ids=proposal_ids,
        eligible_groups=[str(g) for g in form.getlist("group")],
        dots_per_voter=_int_field(form, "dots_per_voter", _("Dots per voter")),
        max_dots_per_proposal=_int_field(
            form, "max_dots_per_proposal", _("Most dots on one proposal")
        ),
        max_approvals=_int_field(form, "max_approvals", _("Most approvals")),
        max_ranks=_int_field(form, "max_ranks", _("Most ranks")),
        budget=_int_field(form, "budget", _("Budget")),
        costs=costs,
        results_visible=form.get("results_visible") == "1",
        opens_at=_time_field(form, "opens_at"),
        closes_at=_time_field(form, "closes_at"),
        eligibility=_eligibility_field(form),
    )


def _eligibility_field(form: FormData) -> Eligibility:
    raw = str(form.get("eligibility") or Eligibility.hall)
    if raw not in {e.value for e in Eligibility}:
        raise UserError(_("Choose whose ballots count."), status_code=422)
    return Eligibility(raw)


def _new_form(
    request: Request,
    session: Session,
    city: City,
    workshop: Workshop | None,
    *,
    form: FormData | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    values: dict[str, Any] = {
        "question": "",
        "method": "dot",
        "dots_per_voter": "5",
        "max_dots_per_proposal": "3",
        "max_approvals": "",
        "max_ranks": "",
        "budget": "",
        "results_visible": False,
        "opens_at": "",
        "closes_at": "",
        "eligibility": Eligibility.hall.value,
    }
    chosen: set[int] = set()
    groups = list(workshop.invited_groups if workshop else GROUP_VALUES)
    costs: dict[int, str] = {}
    if form is not None:
        values |= {k: str(form.get(k) or "") for k in values if k != "results_visible"}
        values["results_visible"] = form.get("results_visible") == "1"
        chosen = {int(str(p)) for p in form.getlist("proposal") if str(p).isdigit()}
        groups = [str(g) for g in form.getlist("group")]
        costs = {
            int(k[5:]): str(v) for k, v in form.items() if k.startswith("cost-") and k[5:].isdigit()
        }
    candidates = voting.candidate_proposals(session, city, workshop)
    context = {
        "city": city,
        "workshop": workshop,
        "candidates": candidates,
        "values": values,
        "chosen": chosen or {p.id or 0 for p in candidates if p.status == "open"},
        "groups": groups,
        "costs": costs,
        "methods": list(VoteMethod),
        "eligibilities": list(Eligibility),
        "error": error,
        "action": f"/staff/workshops/{workshop.id}/rounds"
        if workshop
        else f"/staff/cities/{city.slug}/rounds",
    }
    return render(request, "rounds/new.html", context, status_code=status_code)


def _create(
    request: Request,
    session: Session,
    city: City,
    workshop: Workshop | None,
    user: StaffAccount,
    form: FormData,
) -> Response:
    try:
        vote_round = voting.create_round(
            session, city=city, workshop=workshop, settings=_settings(form), actor=user
        )
    except UserError as error:
        session.rollback()
        return _new_form(
            request,
            session,
            city,
            workshop,
            form=form,
            error=error.message,
            status_code=error.status_code,
        )
    session.commit()
    return RedirectResponse(f"/staff/rounds/{vote_round.id}", status_code=303)


def _workshop_city(session: Session, workshop: Workshop) -> City:
    city = session.get(City, workshop.city_id)
    if city is None:
        raise NotFound(_("This workshop's city no longer exists."))
    return city


@router.get("/workshops/{workshop_id}/rounds/new")
def new_workshop_round(
    request: Request, session: SessionDep, workshop: FacilitatedWorkshop
) -> Response:
    return _new_form(request, session, _workshop_city(session, workshop), workshop)


@router.post("/workshops/{workshop_id}/rounds")
def create_workshop_round(
    request: Request,
    session: SessionDep,
    user: Facilitator,
    workshop: FacilitatedWorkshop,
    form: FormFields,
) -> Response:
    return _create(request, session, _workshop_city(session, workshop), workshop, user, form)


@router.get("/cities/{slug}/rounds")
def city_rounds(request: Request, session: SessionDep, slug: str, user: Planner) -> Response:
    city = _city(session, slug, user)
    context = {"city": city, "rounds": voting.rounds_of_city(session, city)}
    return render(request, "rounds/city.html", context)


@router.get("/cities/{slug}/rounds/new")
def new_city_round(request: Request, session: SessionDep, slug: str, user: Planner) -> Response:
    return _new_form(request, session, _city(session, slug, user), None)


@router.post("/cities/{slug}/rounds")
def create_city_round(
    request: Request, session: SessionDep, slug: str, user: Planner, form: FormFields
) -> Response:
    return _create(request, session, _city(session, slug, user), None, user, form)


# --- running ------------------------------------------------------------------------------------


def _round_context(request: Request, session: Session, vote_round: VoteRound) -> dict[str, Any]:
    issued, used = voting.code_count(session, vote_round)
    return {
        "vote_round": vote_round,
        "city": session.get(City, vote_round.city_id),
        "workshop": session.get(Workshop, vote_round.workshop_id)
        if vote_round.workshop_id
        else None,
        "entries": voting.ballot_entries(session, vote_round),
        "turnout": voting.turnout_by_group(session, vote_round),
        "ballots": voting.ballot_count(session, vote_round),
        "accepting": voting.accepting(vote_round),
        "codes_issued": issued,
        "codes_used": used,
        "vote_url": str(request.base_url).rstrip("/") + eligibility.vote_path(session, vote_round),
        "eligible_turnout": eligibility.turnout(session, vote_round),
    }


@router.get("/rounds/{round_id}")
def round_page(request: Request, session: SessionDep, vote_round: ManagedRound) -> Response:
    voting.settle(session, vote_round)
    session.commit()
    template = (
        "rounds/_turnout.html"
        if request.query_params.get("part") == "turnout"
        else "rounds/round.html"
    )
    return render(request, template, _round_context(request, session, vote_round))


def _back(vote_round: VoteRound) -> RedirectResponse:
    return RedirectResponse(f"/staff/rounds/{vote_round.id}", status_code=303)


@router.post("/rounds/{round_id}/open")
def open_round(session: SessionDep, vote_round: ManagedRound) -> Response:
    voting.open_round(session, vote_round)
    session.commit()
    return _back(vote_round)


@router.post("/rounds/{round_id}/close")
def close_round(request: Request, session: SessionDep, vote_round: ManagedRound) -> Response:
    voting.close_round(session, vote_round)
    session.commit()
    return _back(vote_round)


@router.post("/rounds/{round_id}/reveal")
def reveal_results(
    session: SessionDep, vote_round: ManagedRound, visible: Annotated[str, Form()] = "1"
) -> Response:
    voting.set_results_visible(session, vote_round, visible == "1")
    session.commit()
    return _back(vote_round)


@router.post("/rounds/{round_id}/delete")
def delete_round(session: SessionDep, vote_round: ManagedRound) -> Response:
    back = f"/staff/workshops/{vote_round.workshop_id}" if vote_round.workshop_id else "/staff"
    voting.delete_draft(session, vote_round)
    session.commit()
    return RedirectResponse(back, status_code=303)


def _download(content: str | bytes, media_type: str, filename: str) -> Response:
    return Response(
        content,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get("/rounds/{round_id}/ballots.csv")
def export_ballots(session: SessionDep, vote_round: ManagedRound) -> Response:
    ballots_csv, _json = voting.export_files(session, vote_round)
    return _download(
        "\ufeff" + ballots_csv, "text/csv; charset=utf-8", f"round-{vote_round.id}-ballots.csv"
    )


@router.get("/rounds/{round_id}/round.json")
def export_round(session: SessionDep, vote_round: ManagedRound) -> Response:
    _csv, round_json = voting.export_files(session, vote_round)
    return _download(round_json, "application/json", f"round-{vote_round.id}.json")


@router.post("/rounds/{round_id}/codes")
def generate_codes(
    request: Request,
    session: SessionDep,
    vote_round: ManagedRound,
    count: Annotated[str, Form()] = "",
) -> Response:
    """N one-time codes as a PDF of cards; shown this once, since only hashes are stored."""
    if not count.strip().isdigit():
        raise UserError(_("Enter how many codes to print."), status_code=422)
    codes = voting.generate_codes(session, vote_round, int(count), secret_key=_secret(request))
    city = session.get(City, vote_round.city_id)
    url = str(request.base_url).rstrip("/") + eligibility.vote_path(session, vote_round)
    pdf = code_cards_pdf(
        codes,
        vote_url=lambda code: f"{url}?code={code}",
        text=CardText(
            title=vote_round.question,
            instructions=_("Scan the QR code or open %(url)s and type the code.") % {"url": url},
            code_label=_("Voting code"),
            footer=_("One vote per code. %(city)s") % {"city": city.name_th if city else ""},
        ),
    )
    session.commit()
    return _download(pdf, "application/pdf", f"round-{vote_round.id}-codes.pdf")


@router.post("/rounds/{round_id}/verified-code")
def verified_code(
    request: Request,
    session: SessionDep,
    vote_round: ManagedRound,
    user: AnyStaff,
    group: Annotated[str, Form()] = "",
) -> Response:
    """One code for a voter a staff member has checked in person (no ID number is kept)."""
    code = voting.issue_verified_code(session, vote_round, group, user, secret_key=_secret(request))
    session.commit()
    context = _round_context(request, session, vote_round)
    url = f"{context['vote_url']}?code={code}"
    context |= {
        "issued_code": code,
        "issued_group": group,
        "qr_svg": segno.make(url, error="m").svg_inline(scale=6, title=code),
    }
    return render(request, "rounds/verified_code.html", context)
