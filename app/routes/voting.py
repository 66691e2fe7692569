"""Casting a ballot from a phone: in a workshop (as a participant) or online (with a one-time
code), with a confirmation screen and a receipt; checking a receipt; public results."""

import secrets
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from sqlmodel import Session
from starlette.datastructures import FormData
from starlette.responses import Response

from app.db import SessionDep, one_statement, reads_only
from app.deps import (
    CurrentParticipant,
    FormFields,
    OptionalUser,
    WorkshopByCode,
    device_hash,
    ensure_device,
    secret_key,
)
from app.domain.eligibility import Eligibility
from app.domain.errors import Conflict, JoinRequired, NotFound, UserError
from app.domain.voting import Method, ProposalId, RoundRules, budget_lines
from app.i18n import gettext as _
from app.models import City, Participant, RoundStatus, VoteRound, Workshop
from app.routes.forms import local_path, refused_form
from app.services import access, eligibility, sessions, voting
from app.templating import flash, render

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class Voter:
    """Who is voting in which round, and where their ballot pages live."""

    vote_round: VoteRound
    voter_key: str
    group: str
    base: str  # URL prefix of the ballot pages
    back_url: str  # where "done" leads
    title: str
    participant: Participant | None = None
    rules: RoundRules | None = None  # read with the round, when the path already has them


def _workshop_voter(
    request: Request,
    session: Session,
    workshop: Workshop,
    participant: Participant,
    setting: voting.BallotSetting | None = None,
) -> Voter:
    vote_round = setting.vote_round if setting else voting.open_round_of(session, workshop)
    if vote_round is None:
        raise Conflict(_("No vote is open in this workshop right now."))
    if setting is not None:
        claim = setting.claim
    elif vote_round.eligibility == Eligibility.codes:
        claim = sessions.code_claim(session, device_hash(request), vote_round.id or 0)
    else:
        claim = None
    identity = eligibility.ballot_identity(
        session, vote_round, participant, claim, secret_key=secret_key(request)
    )
    return Voter(
        vote_round=vote_round,
        voter_key=identity.voter_key,
        group=identity.group,
        base=f"/w/{workshop.join_code}/vote",
        back_url=f"/w/{workshop.join_code}",
        title=workshop.title,
        participant=participant,
        rules=setting.rules if setting else None,
    )


def _cast_setting(request: Request, session: Session, code: str) -> Voter:
    """The workshop voter of a ballot POST, read in one query (the hot path under load)."""
    setting = voting.workshop_ballot_setting(session, code, device_hash(request))
    workshop, participant = setting.workshop, setting.participant
    if workshop is None:
        raise NotFound(
            _("No workshop has the code %(code)s. Check the code on the screen.") % {"code": code}
        )
    if participant is None:
        raise JoinRequired(workshop.join_code)
    return _workshop_voter(request, session, workshop, participant, setting)


def _code_voter(request: Request, session: Session, round_id: int) -> Voter | None:
    setting = voting.code_ballot_setting(session, round_id, device_hash(request))
    vote_round, city, claim = setting.vote_round, setting.city, setting.claim
    if vote_round is None:
        raise NotFound(_("There is no vote with this number."))
    if vote_round.workshop_id is not None:
        raise NotFound(_("This vote takes place in a workshop; join the workshop to vote."))
    if claim is None:
        return None
    return Voter(
        vote_round=vote_round,
        voter_key=voting.code_voter_key(secret_key(request), vote_round, claim.code),
        group=claim.stakeholder_group,
        base=f"/v/{round_id}",
        back_url=f"/cities/{city.slug}" if city else "/",
        title=city.name_th if city else "",
        rules=setting.rules,
    )


def _parse_marks(form: FormData, method: str) -> dict[int, int]:
    """Form fields to marks, nothing more: `p<id>` fields carry numbers, a single-choice
    ballot's `choice` names one proposal. Whether the marks keep the round's rules (proposals
    on the ballot, limits, ranks) is app.domain.voting.validate_ballot's to say."""
    marks: dict[int, int] = {}
    for key, raw in form.multi_items():
        value = str(raw).strip()
        if not (key.startswith("p") and key[1:].isdigit()) or not value:
            continue
        try:
            marks[int(key[1:])] = int(value)
        except ValueError as error:
            raise UserError(
                _("Numbers on the ballot must be whole numbers above zero."), status_code=422
            ) from error
    if method == Method.single:
        choice = str(form.get("choice") or "").strip()
        if choice and not choice.isdigit():
            raise UserError(_("Choose exactly one proposal."), status_code=422)
        if choice:
            marks[int(choice)] = 1
    return marks


def _ballot_page(
    request: Request,
    session: Session,
    voter: Voter,
    *,
    marks: dict[int, int] | None = None,
    error: str | None = None,
    template: str = "voting/ballot.html",
    status_code: int = 200,
    entries: list[voting.BallotEntry] | None = None,
    **extra: Any,
) -> Response:
    vote_round = voter.vote_round
    if entries is None:
        entries = voting.ballot_entries(session, vote_round)
    previous = voting.my_marks(session, vote_round, voter.voter_key)
    context = {
        "voter": voter,
        "vote_round": vote_round,
        "entries": entries,
        "marks": marks if marks is not None else (previous or {}),
        "has_ballot": previous is not None,
        "error": error,
        "accepting": voting.accepting(vote_round),
        "eligible": voter.group in vote_round.eligible_groups,
        **extra,
    }
    return render(request, template, context, status_code=status_code)


def _review(request: Request, session: Session, voter: Voter, form: FormData) -> Response:
    marks: dict[int, int] | None = None
    with refused_form(
        session, lambda e: _ballot_page(request, session, voter, marks=marks, error=e.message)
    ):
        marks = _parse_marks(form, voter.vote_round.method)
        voting.check_ballot(session, voter.vote_round, voter.group, marks)
    entries = voting.ballot_entries(session, voter.vote_round)
    chosen = [e for e in entries if marks.get(e.proposal.id or 0)]
    if voter.vote_round.method == Method.ranked:  # in the voter's order, first choice first
        chosen.sort(key=lambda e: marks[e.proposal.id or 0])
    return _ballot_page(
        request,
        session,
        voter,
        marks=marks,
        entries=entries,
        template="voting/review.html",
        chosen=chosen,
        client_key=str(form.get("client_key") or secrets.token_hex(16)),
    )


def _edit(request: Request, session: Session, voter: Voter, form: FormData) -> Response:
    with refused_form(session, lambda e: _ballot_page(request, session, voter, error=e.message)):
        marks = _parse_marks(form, voter.vote_round.method)
    return _ballot_page(request, session, voter, marks=marks)


def _cast(request: Request, session: Session, voter: Voter, form: FormData) -> Response:
    marks: dict[int, int] | None = None
    client_key = str(form.get("client_key") or secrets.token_hex(16))[:64]
    with refused_form(
        session, lambda e: _ballot_page(request, session, voter, marks=marks, error=e.message)
    ):
        marks = _parse_marks(form, voter.vote_round.method)
        voting.cast_ballot(
            session,
            voter.vote_round,
            voter_key=voter.voter_key,
            group=voter.group,
            marks=marks,
            client_key=client_key,
            secret_key=secret_key(request),
            participant=voter.participant,
            rules=voter.rules,
        )
    session.commit()
    # The receipt is recomputed on the done page from this submission's key (no cookie holds
    # it); only this device, which holds the voter's identity, can see it there.
    return RedirectResponse(f"{voter.base}/done?submission={quote(client_key)}", status_code=303)


def _done(request: Request, session: Session, voter: Voter, submission: str) -> Response:
    if voting.my_marks(session, voter.vote_round, voter.voter_key) is None:
        return RedirectResponse(voter.base, status_code=303)
    receipt = voting.current_receipt(
        session, voter.vote_round, voter.voter_key, submission, secret_key=secret_key(request)
    )
    return _ballot_page(request, session, voter, template="voting/done.html", receipt=receipt)


# --- in a workshop ---------------------------------------------------------------------------


@router.get("/w/{code}/vote")
def workshop_ballot(
    request: Request, session: SessionDep, workshop: WorkshopByCode, participant: CurrentParticipant
) -> Response:
    try:
        voter = _workshop_voter(request, session, workshop, participant)
    except (eligibility.PresenceRequired, eligibility.CardRequired):
        from app.routes.presence import gate_page  # the presence and card forms live there

        return gate_page(request, session, workshop, participant)
    return _ballot_page(request, session, voter)


@router.post("/w/{code}/vote/review")
@reads_only  # the review and edit steps only show the ballot back
def workshop_review(
    request: Request,
    session: SessionDep,
    workshop: WorkshopByCode,
    participant: CurrentParticipant,
    form: FormFields,
) -> Response:
    return _review(request, session, _workshop_voter(request, session, workshop, participant), form)


@router.post("/w/{code}/vote/edit")
@reads_only
def workshop_edit(
    request: Request,
    session: SessionDep,
    workshop: WorkshopByCode,
    participant: CurrentParticipant,
    form: FormFields,
) -> Response:
    return _edit(request, session, _workshop_voter(request, session, workshop, participant), form)


@router.post("/w/{code}/vote")
@one_statement  # the ballot's upsert (see voting.cast_ballot); everything before it reads
def workshop_cast(request: Request, session: SessionDep, code: str, form: FormFields) -> Response:
    return _cast(request, session, _cast_setting(request, session, code), form)


@router.get("/w/{code}/vote/done")
def workshop_done(
    request: Request,
    session: SessionDep,
    workshop: WorkshopByCode,
    participant: CurrentParticipant,
    submission: str = "",
) -> Response:
    voter = _workshop_voter(request, session, workshop, participant)
    return _done(request, session, voter, submission)


# --- online, with a one-time code --------------------------------------------------------------


def _code_form(
    request: Request,
    session: Session,
    vote_round: VoteRound,
    *,
    code: str = "",
    group: str = "",
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    context = {
        "vote_round": vote_round,
        "city": session.get(City, vote_round.city_id),
        "code": code,
        "group": group,
        "error": error,
        "accepting": voting.accepting(vote_round),
    }
    return render(request, "voting/code.html", context, status_code=status_code)


@router.get("/v/{round_id}")
def online_ballot(request: Request, session: SessionDep, round_id: int, code: str = "") -> Response:
    voter = _code_voter(request, session, round_id)
    if voter is None:
        return _code_form(request, session, voting.get_round(session, round_id), code=code)
    return _ballot_page(request, session, voter)


@router.post("/v/{round_id}/code")
def online_code(
    request: Request,
    session: SessionDep,
    round_id: int,
    code: Annotated[str, Form()] = "",
    group: Annotated[str, Form()] = "",
) -> Response:
    vote_round = voting.get_round(session, round_id)
    if vote_round.workshop_id is not None:
        raise NotFound(_("This vote takes place in a workshop; join the workshop to vote."))
    device = ensure_device(request)
    earlier = sessions.code_claim(session, device, round_id)
    claim_token = earlier.claim_token if earlier else secrets.token_hex(16)
    with refused_form(
        session,
        lambda e: _code_form(request, session, vote_round, code=code, group=group, error=e.message),
    ):
        if not voting.normalize_code(code):
            raise UserError(_("Type the code printed on your card."), status_code=422)
        if not voting.accepting(vote_round):
            voting.ensure_can_vote(vote_round, group or vote_round.eligible_groups[0])
        found = voting.claim_code(
            session, vote_round, code, claim_token, secret_key=secret_key(request)
        )
        chosen = found.stakeholder_group or group
        if chosen not in vote_round.eligible_groups:
            raise UserError(_("Choose the group you belong to."), status_code=422)
        sessions.remember_code(
            session,
            device,
            round_id,
            code=voting.normalize_code(code),
            claim_token=claim_token,
            group=chosen,
        )
    session.commit()
    return RedirectResponse(f"/v/{round_id}", status_code=303)


def _require_code_voter(request: Request, session: Session, round_id: int) -> Voter:
    voter = _code_voter(request, session, round_id)
    if voter is None:
        raise Conflict(_("Enter your voting code first."))
    return voter


@router.post("/v/{round_id}/review")
@reads_only
def online_review(
    request: Request, session: SessionDep, round_id: int, form: FormFields
) -> Response:
    return _review(request, session, _require_code_voter(request, session, round_id), form)


@router.post("/v/{round_id}/edit")
@reads_only
def online_edit(request: Request, session: SessionDep, round_id: int, form: FormFields) -> Response:
    return _edit(request, session, _require_code_voter(request, session, round_id), form)


@router.post("/v/{round_id}")
@one_statement
def online_cast(request: Request, session: SessionDep, round_id: int, form: FormFields) -> Response:
    return _cast(request, session, _require_code_voter(request, session, round_id), form)


@router.get("/v/{round_id}/done")
def online_done(
    request: Request, session: SessionDep, round_id: int, submission: str = ""
) -> Response:
    return _done(request, session, _require_code_voter(request, session, round_id), submission)


@router.post("/device/clear")
def clear_device(
    request: Request, session: SessionDep, next: Annotated[str, Form()] = "/"
) -> Response:
    """ "I'm done, clear this phone": this device's workshop memberships and codes are
    forgotten on the server and its session starts afresh, so the next person on a shared
    phone sees no earlier choices and votes with their own code."""
    hashed = device_hash(request)
    if hashed is not None:
        sessions.forget_device(session, hashed)
        session.commit()
    request.session.clear()
    flash(request, _("This phone is cleared. The next person can join and vote."))
    return RedirectResponse(local_path(next, "/"), status_code=303)


# --- receipts and results ----------------------------------------------------------------------


@router.get("/receipts")
def receipts(request: Request, session: SessionDep, code: str = "") -> Response:
    """Anyone can check that a receipt's ballot is in a round; how it voted is never shown."""
    found = voting.check_receipt(session, code, secret_key=secret_key(request)) if code else None
    context = {"code": code, "found": found, "checked": bool(code.strip())}
    return render(request, "voting/receipt.html", context, status_code=200)


@router.get("/rounds/{round_id}/results")
def round_results(
    request: Request, session: SessionDep, round_id: int, user: OptionalUser, view: str = ""
) -> Response:
    vote_round = voting.get_round(session, round_id)
    staff = user is not None and access.can_manage_round(session, user, vote_round)
    if not voting.results_public(vote_round) and not staff:
        raise UserError(_("The results of this vote are shown when it closes."), status_code=403)
    context = results_context(session, vote_round)
    if view == "projector":
        return render(request, "voting/projector_results.html", context)
    return render(request, "voting/results.html", context)


def results_context(session: Session, vote_round: VoteRound) -> dict[str, Any]:
    entries = voting.ballot_entries(session, vote_round)
    document = voting.results(session, vote_round)
    rule = voting.primary_rule(vote_round)
    group_scores = {
        group: {row.proposal_id: row.score for row in by_rule[rule].ranking}
        for group, by_rule in document.by_group.items()
    }
    budget_tables = {}
    if vote_round.method == Method.budget and vote_round.budget is not None:
        costs: dict[ProposalId, int] = {e.proposal.id or 0: e.cost or 0 for e in entries}
        budget_tables = {
            rule: budget_lines(doc, costs, vote_round.budget)
            for rule, doc in document.rules.items()
        }
    return {
        "vote_round": vote_round,
        "budget_tables": budget_tables,
        "no_voters": document.groups_without_voters(vote_round.eligible_groups),
        "city": session.get(City, vote_round.city_id),
        "workshop": session.get(Workshop, vote_round.workshop_id)
        if vote_round.workshop_id
        else None,
        "entries": {e.proposal.id: e for e in entries},
        "groups": [g for g in vote_round.eligible_groups],
        "group_scores": group_scores,
        "result": document,
        "primary_rule": rule,
        "closed": vote_round.current_status == RoundStatus.closed,
        "eligible_turnout": eligibility.turnout(session, vote_round),
    }
