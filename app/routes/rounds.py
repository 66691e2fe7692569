"""Running vote rounds: set one up for a workshop or a city board, open, close, reveal,
export the anonymized ballots, and hand out one-time codes."""

from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import segno
from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, ConfigDict
from sqlmodel import Session
from starlette.responses import Response

from app.db import SessionDep
from app.deps import (
    AnyStaff,
    FacilitatedWorkshop,
    Facilitator,
    ManagedRound,
    PlannedCity,
    Planner,
    SecretKey,
    public_base_url,
)
from app.domain.bounds import MAX_BAHT, MAX_COUNT, is_id
from app.domain.code_cards import CardText, code_cards_pdf
from app.domain.eligibility import Eligibility
from app.domain.errors import NotFound, UserError
from app.domain.voting import Method
from app.i18n import gettext as _
from app.models import City, StaffAccount, VoteRound, Workshop
from app.models.workshop import GROUP_VALUES
from app.routes.forms import check_day, confirm_first, refused_form, whole_number
from app.services import eligibility, voting
from app.templating import render

router = APIRouter(prefix="/staff", include_in_schema=False)
BANGKOK = ZoneInfo("Asia/Bangkok")


# --- setting up ---------------------------------------------------------------------------------


def _time(raw: str) -> datetime | None:
    raw = raw.strip()
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw).replace(tzinfo=BANGKOK)
    except ValueError as error:
        raise UserError(
            _("Enter a date and time such as 2026-12-01 09:00."), status_code=422
        ) from error
    check_day(moment.date())
    return moment


class RoundForm(BaseModel):
    """The fields of the new-round form, as typed; a proposal's cost comes as "cost-<id>"."""

    model_config = ConfigDict(extra="allow")

    question: str = ""
    method: str = ""
    proposal: list[str] = []
    group: list[str] = []
    dots_per_voter: str = ""
    max_dots_per_proposal: str = ""
    max_approvals: str = ""
    max_ranks: str = ""
    budget: str = ""
    results_visible: str = ""
    opens_at: str = ""
    closes_at: str = ""
    eligibility: str = Eligibility.hall.value  # workshop rounds; city rounds always use codes

    @property
    def costs(self) -> dict[int, str]:
        extra = self.model_extra or {}
        return {int(k[5:]): str(v) for k, v in extra.items() if k[:5] == "cost-" and is_id(k[5:])}

    @property
    def chosen(self) -> set[int]:
        return {int(p) for p in self.proposal if is_id(p)}

    def settings(self) -> voting.RoundSettings:
        if self.method not in {m.value for m in Method}:
            raise UserError(_("Choose how people vote."), status_code=422)
        if self.eligibility not in {e.value for e in Eligibility}:
            raise UserError(_("Choose whose ballots count."), status_code=422)
        if not all(is_id(p) for p in self.proposal):
            raise UserError(
                _("Some of the chosen proposals are not on this board."), status_code=422
            )
        proposal_ids = [int(p) for p in self.proposal]
        costs: dict[int, int] = {}
        if self.method == Method.budget:
            typed = self.costs
            for pid in proposal_ids:
                cost = whole_number(typed.get(pid, ""), _("Cost"), high=MAX_BAHT)
                if cost is not None:
                    costs[pid] = cost
        return voting.RoundSettings(
            question=self.question,
            method=Method(self.method),
            proposal_ids=proposal_ids,
            eligible_groups=self.group,
            dots_per_voter=whole_number(self.dots_per_voter, _("Dots per voter"), high=MAX_COUNT),
            max_dots_per_proposal=whole_number(
                self.max_dots_per_proposal, _("Most dots on one proposal"), high=MAX_COUNT
            ),
            max_approvals=whole_number(self.max_approvals, _("Most approvals"), high=MAX_COUNT),
            max_ranks=whole_number(self.max_ranks, _("Most ranks"), high=MAX_COUNT),
            budget=whole_number(self.budget, _("Budget"), high=MAX_BAHT),
            costs=costs,
            results_visible=self.results_visible == "1",
            opens_at=_time(self.opens_at),
            closes_at=_time(self.closes_at),
            eligibility=Eligibility(self.eligibility),
        )


NEW_ROUND = RoundForm(method="dot", dots_per_voter="5", max_dots_per_proposal="3")


def _form_context(
    session: Session, city: City, workshop: Workshop | None, form: RoundForm | None = None
) -> dict[str, Any]:
    candidates = voting.candidate_proposals(session, city, workshop)
    return {
        "city": city,
        "workshop": workshop,
        "candidates": candidates,
        "form": form or NEW_ROUND,
        "chosen": (form.chosen if form else set())
        or {p.id or 0 for p in candidates if p.status == "open"},
        "groups": form.group
        if form
        else list(workshop.invited_groups if workshop else GROUP_VALUES),
        "methods": list(Method),
        "eligibilities": list(Eligibility),
        "error": None,
        "action": f"/staff/workshops/{workshop.id}/rounds"
        if workshop
        else f"/staff/cities/{city.slug}/rounds",
    }


def _create(
    request: Request,
    session: Session,
    city: City,
    workshop: Workshop | None,
    user: StaffAccount,
    form: RoundForm,
) -> Response:
    def page(error: UserError) -> Response:
        context = _form_context(session, city, workshop, form) | {"error": error.message}
        return render(request, "rounds/new.html", context)

    with refused_form(session, page):
        vote_round = voting.create_round(
            session, city=city, workshop=workshop, settings=form.settings(), actor=user
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
    context = _form_context(session, _workshop_city(session, workshop), workshop)
    return render(request, "rounds/new.html", context)


@router.post("/workshops/{workshop_id}/rounds")
def create_workshop_round(
    request: Request,
    session: SessionDep,
    user: Facilitator,
    workshop: FacilitatedWorkshop,
    form: Annotated[RoundForm, Form()],
) -> Response:
    return _create(request, session, _workshop_city(session, workshop), workshop, user, form)


@router.get("/cities/{slug}/rounds")
def city_rounds(request: Request, session: SessionDep, city: PlannedCity) -> Response:
    context = {"city": city, "rounds": voting.rounds_of_city(session, city)}
    return render(request, "rounds/city.html", context)


@router.get("/cities/{slug}/rounds/new")
def new_city_round(request: Request, session: SessionDep, city: PlannedCity) -> Response:
    return render(request, "rounds/new.html", _form_context(session, city, None))


@router.post("/cities/{slug}/rounds")
def create_city_round(
    request: Request,
    session: SessionDep,
    user: Planner,
    city: PlannedCity,
    form: Annotated[RoundForm, Form()],
) -> Response:
    return _create(request, session, city, None, user, form)


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
        "vote_url": public_base_url(request) + eligibility.vote_path(session, vote_round),
        "eligible_turnout": eligibility.turnout(session, vote_round),
    }


@router.get("/rounds/{round_id}")
def round_page(request: Request, session: SessionDep, vote_round: ManagedRound) -> Response:
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
def close_round(
    request: Request,
    session: SessionDep,
    vote_round: ManagedRound,
    confirm: Annotated[str, Form()] = "",
) -> Response:
    if confirm != "yes":
        return confirm_first(
            request,
            action=f"/staff/rounds/{vote_round.id}/close",
            title=_("Close the vote and freeze the result?"),
            message=_(
                "No ballot is accepted after this, and the result and its digest cannot be changed."
            ),
            confirm_label=_("Close the vote"),
            cancel_url=f"/staff/rounds/{vote_round.id}",
        )
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


@router.get("/rounds/{round_id}/round.pb")
def export_pabulib(session: SessionDep, vote_round: ManagedRound) -> Response:
    text = voting.research_file(session, vote_round, "pb")
    return _download(text, "text/plain; charset=utf-8", f"round-{vote_round.id}.pb")


@router.get("/rounds/{round_id}/round.soi")
def export_preflib(session: SessionDep, vote_round: ManagedRound) -> Response:
    text = voting.research_file(session, vote_round, "soi")
    return _download(text, "text/plain; charset=utf-8", f"round-{vote_round.id}.soi")


@router.post("/rounds/{round_id}/codes")
def generate_codes(
    request: Request,
    session: SessionDep,
    vote_round: ManagedRound,
    secret_key: SecretKey,
    count: Annotated[str, Form()] = "",
) -> Response:
    """N one-time codes as a PDF of cards; shown this once, since only hashes are stored."""
    if not is_id(count.strip()):  # the service bounds the count
        raise UserError(_("Enter how many codes to print."), status_code=422)
    codes = voting.generate_codes(session, vote_round, int(count), secret_key=secret_key)
    city = session.get(City, vote_round.city_id)
    url = public_base_url(request) + eligibility.vote_path(session, vote_round)
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
    secret_key: SecretKey,
    group: Annotated[str, Form()] = "",
) -> Response:
    """One code for a voter a staff member has checked in person (no ID number is kept)."""
    code = voting.issue_verified_code(session, vote_round, group, user, secret_key=secret_key)
    session.commit()
    context = _round_context(request, session, vote_round)
    url = f"{context['vote_url']}?code={code}"
    context |= {
        "issued_code": code,
        "issued_group": group,
        "qr_svg": segno.make(url, error="m").svg_inline(scale=6, title=code),
    }
    return render(request, "rounds/verified_code.html", context)
