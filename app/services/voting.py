"""Vote rounds: set up, open, take ballots, close with a frozen result, receipts and codes.

Counting is app.domain.voting's job; this module stores ballots so that they cannot be
joined to people (see app.models.vote) and turns rule breaches into messages.
"""

import functools
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import String, and_, bindparam, cast, func, or_, update
from sqlalchemy import select as sa_select  # sqlmodel's select types at most 4 entities
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.domain import ballot_files, election_formats, join_codes
from app.domain.eligibility import Eligibility
from app.domain.errors import Conflict, Forbidden, NotFound, UserError
from app.domain.voting import (
    RULES,
    BallotError,
    Method,
    ResultDocument,
    RoundRules,
    RulesError,
    validate_ballot,
)
from app.domain.voting import (
    Ballot as DomainBallot,
)
from app.i18n import gettext as _
from app.i18n import ngettext
from app.models import (
    Ballot,
    City,
    DeviceCode,
    DeviceParticipant,
    Participant,
    Proposal,
    RoundPresence,
    RoundProposal,
    RoundStatus,
    RoundVoter,
    StaffAccount,
    VoteRound,
    VotingCode,
    Workshop,
    utcnow,
)
from app.models.workshop import GROUP_VALUES
from app.security import keyed_hash
from app.services import live
from app.services.workshops import ensure_open

# Codes and receipts: no 0/O, 1/I/L, so they survive being read aloud and typed on a phone.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
MAX_CODES_PER_BATCH = 2000


# --- setting up a round -------------------------------------------------------------------


@dataclass
class RoundSettings:
    """What a facilitator or planner chose on the round form (already parsed, not yet checked)."""

    question: str
    method: Method
    proposal_ids: list[int]
    eligible_groups: list[str] = field(default_factory=lambda: list(GROUP_VALUES))
    dots_per_voter: int | None = None
    max_dots_per_proposal: int | None = None
    max_approvals: int | None = None
    max_ranks: int | None = None
    budget: int | None = None
    costs: dict[int, int] = field(default_factory=dict)
    results_visible: bool = False
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    eligibility: Eligibility = Eligibility.hall  # workshop rounds only; city rounds use codes


def _rules_message(error: RulesError) -> str:
    code = error.code
    if code in ("empty_ballot", "too_few_proposals"):
        return _("Choose at least two proposals for the ballot.")
    if code == "duplicate_proposal":
        return _("A proposal is on the ballot twice.")
    if code.endswith("dots_per_voter"):
        return _("Give each voter at least one dot.")
    if code.endswith("max_dots_per_proposal"):
        return _("The most dots on one proposal must be at least 1.")
    if code.endswith("max_approvals"):
        return _("The number of approvals must be at least 1.")
    if code.endswith("max_ranks"):
        return _("The number of ranks must be at least 1.")
    if code == "missing_cost":
        return _("Enter a cost for every proposal on a budget ballot.")
    if code == "bad_cost":
        return _("Every cost must be a whole number of baht greater than zero.")
    if code == "budget_below_cheapest":
        return _("The budget must be at least the cost of the cheapest proposal.")
    if code.endswith("budget"):
        return _("Enter a total budget greater than zero.")
    return _("These vote settings are not possible (%(code)s).") % {"code": code}


def rules_of(session: Session, vote_round: VoteRound) -> RoundRules:
    return _rules(vote_round, ballot_rows(session, vote_round))


class BallotRow(NamedTuple):
    """A proposal on a ballot as the rules need it (a RoundProposal has the same fields)."""

    proposal_id: int
    cost: int | None


def _rules(vote_round: VoteRound, rows: Sequence[BallotRow | RoundProposal]) -> RoundRules:
    return RoundRules(
        method=Method(vote_round.method),
        proposal_ids=tuple(r.proposal_id for r in rows),
        dots_per_voter=vote_round.dots_per_voter,
        max_dots_per_proposal=vote_round.max_dots_per_proposal,
        max_approvals=vote_round.max_approvals,
        max_ranks=vote_round.max_ranks,
        budget=vote_round.budget,
        costs={r.proposal_id: r.cost for r in rows if r.cost is not None},
        max_sum_cost=vote_round.budget,  # our ballots may not cost more than the budget
    )


def _settings_rules(settings: RoundSettings) -> RoundRules:
    method = Method(settings.method)
    return RoundRules(
        method=method,
        proposal_ids=tuple(settings.proposal_ids),
        dots_per_voter=settings.dots_per_voter if method is Method.dot else None,
        max_dots_per_proposal=settings.max_dots_per_proposal if method is Method.dot else None,
        max_approvals=settings.max_approvals if method is Method.approval else None,
        max_ranks=settings.max_ranks if method is Method.ranked else None,
        budget=settings.budget if method is Method.budget else None,
        costs=dict(settings.costs) if method is Method.budget else {},
        max_sum_cost=settings.budget if method is Method.budget else None,
    )


def create_round(
    session: Session,
    *,
    city: City,
    workshop: Workshop | None,
    settings: RoundSettings,
    actor: StaffAccount,
) -> VoteRound:
    """A draft round; checked in full before anything is written."""
    question = settings.question.strip()
    if not question:
        raise UserError(_("Write the question voters will answer."), status_code=422)
    if len(question) > 300:
        raise UserError(_("The question can be at most 300 characters."), status_code=422)
    groups = [g for g in GROUP_VALUES if g in settings.eligible_groups]
    if not groups:
        raise UserError(_("Choose at least one group that may vote."), status_code=422)
    opens_at, closes_at = settings.opens_at, settings.closes_at
    if workshop is None and opens_at and closes_at and closes_at <= opens_at:
        raise UserError(_("The vote must close after it opens."), status_code=422)
    rules = _settings_rules(settings)
    if len(set(rules.proposal_ids)) < 2:
        raise UserError(_("Choose at least two proposals for the ballot."), status_code=422)
    try:
        rules.validate()
    except RulesError as error:
        raise UserError(_rules_message(error), status_code=422) from error
    proposals = session.exec(select(Proposal).where(col(Proposal.id).in_(rules.proposal_ids))).all()
    allowed = {
        p.id
        for p in proposals
        if p.city_id == city.id and (workshop is None or p.workshop_id == workshop.id)
    }
    if allowed != set(rules.proposal_ids):
        raise NotFound(_("Some of the chosen proposals are not on this board."))

    vote_round = VoteRound(
        city_id=city.id or 0,
        workshop_id=workshop.id if workshop else None,
        question=question,
        method=settings.method,
        dots_per_voter=rules.dots_per_voter,
        max_dots_per_proposal=rules.max_dots_per_proposal,
        max_approvals=rules.max_approvals,
        max_ranks=rules.max_ranks,
        budget=rules.budget,
        eligible_groups=groups,
        eligibility=settings.eligibility if workshop else Eligibility.codes,
        results_visible=settings.results_visible,
        opens_at=settings.opens_at if workshop is None else None,
        closes_at=settings.closes_at if workshop is None else None,
        created_by_id=actor.id,
    )
    session.add(vote_round)
    session.flush()
    for position, proposal_id in enumerate(rules.proposal_ids, start=1):
        session.add(
            RoundProposal(
                round_id=vote_round.id or 0,
                proposal_id=proposal_id,
                position=position,
                cost=rules.costs.get(proposal_id),
            )
        )
    session.flush()
    return vote_round


def delete_draft(session: Session, vote_round: VoteRound) -> None:
    if vote_round.status != RoundStatus.draft:
        raise Conflict(_("Only a round that has not been opened can be deleted."))
    for row in ballot_rows(session, vote_round):
        session.delete(row)
    session.delete(vote_round)
    session.flush()


# --- the round's life ---------------------------------------------------------------------


def open_round(session: Session, vote_round: VoteRound) -> VoteRound:
    if vote_round.status != RoundStatus.draft:
        raise Conflict(_("This round has already been opened."))
    workshop = _workshop(session, vote_round)
    if workshop is not None:
        ensure_open(workshop)
        if open_round_of(session, workshop) is not None:
            raise Conflict(_("Another vote is open in this workshop. Close it first."))
    vote_round.status = RoundStatus.open
    vote_round.opened_at = utcnow()
    session.add(vote_round)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as error:  # two facilitators opened two rounds at once
        raise Conflict(_("Another vote is open in this workshop. Close it first.")) from error
    if workshop is not None:
        live.emit(session, workshop.id or 0, live.Kind.VOTE)
    return vote_round


def close_round(session: Session, vote_round: VoteRound) -> VoteRound:
    """Close and freeze: the result and a SHA-256 digest of the ballots are stored for good."""
    if vote_round.status != RoundStatus.open or not _freeze(session, vote_round, utcnow()):
        raise Conflict(_("This round is not open."))
    return vote_round


def _freeze(session: Session, vote_round: VoteRound, closed_at: datetime) -> bool:
    """Close an open round as of `closed_at` (its closing time if earlier) and store its
    result; False if it was no longer open.

    The conditional UPDATE decides who closes: of two processes closing one round at once,
    exactly one changes the row (PostgreSQL re-checks the WHERE after waiting for the other's
    row lock; SQLite's BEGIN IMMEDIATE runs them one after the other), so one result is
    frozen. Taking the row lock first also means no ballot lands between counting and closing.
    """
    if vote_round.closes_at is not None:  # no ballot was taken after it
        closed_at = min(closed_at, vote_round.closes_at)
    won = session.exec(
        update(VoteRound)
        .where(col(VoteRound.id) == vote_round.id, col(VoteRound.status) == RoundStatus.open)
        .values(status=RoundStatus.closed, closed_at=closed_at)
    ).rowcount
    session.refresh(vote_round)
    if not won:
        return False
    rules = rules_of(session, vote_round)
    ballots = stored_ballots(session, vote_round)
    vote_round.ballot_count = len(ballots)
    vote_round.digest = ballot_files.ballots_digest(rules, ballots)
    vote_round.result = ResultDocument.count(rules, ballots, vote_round.eligible_groups).to_json()
    session.add(vote_round)
    session.flush()
    if vote_round.workshop_id is not None:
        live.emit(session, vote_round.workshop_id, live.Kind.VOTE)
    return True


def _due(now: datetime) -> tuple[Any, ...]:
    return (
        col(VoteRound.status) == RoundStatus.open,
        col(VoteRound.closes_at).is_not(None),
        col(VoteRound.closes_at) <= now,
    )


def any_due(session: Session, now: datetime) -> bool:
    """Whether an open round's closing time has passed (a read: no lock, no write)."""
    return session.exec(select(VoteRound.id).where(*_due(now)).limit(1)).first() is not None


def settle_due(session: Session, now: datetime) -> list[int]:
    """Close every open round whose closing time has passed; the ids of the rounds this call
    closed. Safe to run in several processes at once (see _freeze)."""
    query = select(VoteRound).where(*_due(now)).order_by(col(VoteRound.id))
    return [r.id or 0 for r in session.exec(query).all() if _freeze(session, r, now)]


def set_results_visible(session: Session, vote_round: VoteRound, visible: bool) -> VoteRound:
    vote_round.results_visible = visible
    session.add(vote_round)
    session.flush()
    if vote_round.workshop_id is not None:
        live.emit(session, vote_round.workshop_id, live.Kind.VOTE)
    return vote_round


def accepting(vote_round: VoteRound, now: datetime | None = None) -> bool:
    now = now or utcnow()
    if vote_round.status != RoundStatus.open:
        return False
    if vote_round.opens_at is not None and now < vote_round.opens_at:
        return False
    return vote_round.closes_at is None or now < vote_round.closes_at


def results_public(vote_round: VoteRound) -> bool:
    return vote_round.current_status == RoundStatus.closed or vote_round.results_visible


# --- finding rounds ---------------------------------------------------------------------------


def _workshop(session: Session, vote_round: VoteRound) -> Workshop | None:
    return session.get(Workshop, vote_round.workshop_id) if vote_round.workshop_id else None


def get_round(session: Session, round_id: int) -> VoteRound:
    vote_round = session.get(VoteRound, round_id)
    if vote_round is None:
        raise NotFound(_("There is no vote with this number."))
    return vote_round


def open_round_of(session: Session, workshop: Workshop) -> VoteRound | None:
    query = select(VoteRound).where(
        VoteRound.workshop_id == workshop.id, VoteRound.status == RoundStatus.open
    )
    return session.exec(query).first()


def rounds_of_workshop(session: Session, workshop: Workshop) -> list[VoteRound]:
    query = (
        select(VoteRound)
        .where(VoteRound.workshop_id == workshop.id)
        .order_by(col(VoteRound.id).desc())
    )
    return list(session.exec(query).all())


def rounds_of_city(session: Session, city: City, *, board_only: bool = False) -> list[VoteRound]:
    query = select(VoteRound).where(VoteRound.city_id == city.id)
    if board_only:
        query = query.where(col(VoteRound.workshop_id).is_(None))
    return list(session.exec(query.order_by(col(VoteRound.id).desc())).all())


def latest_closed_round(session: Session, workshop: Workshop) -> VoteRound | None:
    query = (
        select(VoteRound)
        .where(VoteRound.workshop_id == workshop.id, VoteRound.status == RoundStatus.closed)
        .order_by(col(VoteRound.id).desc())
    )
    return session.exec(query).first()


def ballot_rows(session: Session, vote_round: VoteRound) -> list[RoundProposal]:
    query = (
        select(RoundProposal)
        .where(RoundProposal.round_id == vote_round.id)
        .order_by(col(RoundProposal.position))
    )
    return list(session.exec(query).all())


@dataclass(frozen=True)
class BallotEntry:
    proposal: Proposal
    cost: int | None


def ballot_entries(session: Session, vote_round: VoteRound) -> list[BallotEntry]:
    return _entries(session, ballot_rows(session, vote_round))


def _entries(session: Session, rows: Sequence[RoundProposal]) -> list[BallotEntry]:
    proposals = {
        p.id: p
        for p in session.exec(
            select(Proposal).where(col(Proposal.id).in_([r.proposal_id for r in rows]))
        ).all()
    }
    return [BallotEntry(proposals[r.proposal_id], r.cost) for r in rows]


def candidate_proposals(session: Session, city: City, workshop: Workshop | None) -> list[Proposal]:
    """What a new round's ballot can hold: the workshop's proposals, or the city board's."""
    query = select(Proposal).where(Proposal.city_id == city.id)
    if workshop is not None:
        query = query.where(Proposal.workshop_id == workshop.id)
    return list(session.exec(query.order_by(col(Proposal.id))).all())


# --- ballots ----------------------------------------------------------------------------------


def participant_voter_key(secret_key: str, vote_round: VoteRound, participant: Participant) -> str:
    return keyed_hash(secret_key, "ballot", vote_round.id, "participant", participant.token)


def code_voter_key(secret_key: str, vote_round: VoteRound, code: str) -> str:
    return keyed_hash(secret_key, "ballot", vote_round.id, "code", normalize_code(code))


def _ballot_message(error: BallotError) -> str:
    limit = int(error.params.get("max", 0))
    code = error.code
    if code == "empty":
        return _("Your ballot is empty. Choose at least one proposal.")
    if code == "unknown_proposal":
        return _("Your ballot names a proposal that is not on this ballot.")
    if code == "not_positive":
        return _("Numbers on the ballot must be whole numbers above zero.")
    if code == "too_many_dots":
        return ngettext(
            "You can give %(num)s dot in all.", "You can give %(num)s dots in all.", limit
        ) % {"num": limit}
    if code == "too_many_dots_on_one":
        return ngettext(
            "You can give at most %(num)s dot to one proposal.",
            "You can give at most %(num)s dots to one proposal.",
            limit,
        ) % {"num": limit}
    if code == "too_many_approvals":
        return ngettext(
            "You can approve at most %(num)s proposal.",
            "You can approve at most %(num)s proposals.",
            limit,
        ) % {"num": limit}
    if code == "duplicate_rank":
        return _("Two proposals have the same rank. Give each rank once.")
    if code == "gapped_ranks":
        return _("Ranks must follow each other from 1 without gaps.")
    if code == "too_many_ranks":
        return ngettext(
            "You can rank at most %(num)s proposal.",
            "You can rank at most %(num)s proposals.",
            limit,
        ) % {"num": limit}
    if code == "over_budget":
        return _("Your selection costs more than the budget. Remove a proposal.")
    if code == "one_choice":
        return _("Choose exactly one proposal.")
    return _("Your ballot has a value this kind of vote does not use.")


def _receipt(secret_key: str, voter_key: str, client_key: str) -> str:
    """Deterministic per submission: a replayed form gets the same receipt, a new one a new one."""
    digest = keyed_hash(secret_key, "receipt", voter_key, client_key)
    number = int(digest, 16)
    chars = []
    for _i in range(12):
        number, index = divmod(number, len(CODE_ALPHABET))
        chars.append(CODE_ALPHABET[index])
    raw = "".join(chars)
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def current_receipt(
    session: Session, vote_round: VoteRound, voter_key: str, client_key: str, *, secret_key: str
) -> str | None:
    """The receipt of this voter's ballot as it stands, if `client_key` is the submission that
    stored it. Recomputed, never kept: it is in no cookie and no table, and only the device
    that holds the voter's identity can see it again."""
    if not client_key:
        return None
    receipt = _receipt(secret_key, voter_key, client_key[:64])
    ballot = _ballot_of(session, vote_round, voter_key)
    if ballot is None or ballot.receipt_hash != _receipt_hash(secret_key, receipt):
        return None
    return receipt


def _receipt_hash(secret_key: str, receipt: str) -> str:
    return keyed_hash(secret_key, "receipt-lookup", normalize_code(receipt))


def check_ballot(
    session: Session, vote_round: VoteRound, group: str, marks: Mapping[int, int]
) -> dict[int, int]:
    """The ballot's marks (zeros dropped) if this group may vote now and the marks keep the
    round's rules; otherwise a UserError saying why not."""
    ensure_can_vote(vote_round, group)
    try:
        return validate_ballot(rules_of(session, vote_round), marks)
    except BallotError as error:
        raise UserError(_ballot_message(error), status_code=422) from error


def ensure_can_vote(vote_round: VoteRound, group: str) -> None:
    if not accepting(vote_round):
        if vote_round.status == RoundStatus.closed or (
            vote_round.closes_at is not None and utcnow() >= vote_round.closes_at
        ):
            raise Conflict(_("This vote is closed. Your ballot was not recorded."))
        raise Conflict(_("This vote is not open yet."))
    if group not in vote_round.eligible_groups:
        raise Forbidden(_("Your group is not among those invited to this vote."))


@dataclass(frozen=True)
class BallotSetting:
    """What a ballot POST needs, read in one query of one row: the round, its ballot (see
    _ballot_rows) and (in a workshop) the participant; None where the path names nothing."""

    vote_round: VoteRound | None
    ballot: str | None = None  # _ballot_rows's text
    workshop: Workshop | None = None
    participant: Participant | None = None
    city: City | None = None
    presence: RoundPresence | None = None  # held so the session's identity map keeps it
    claim: DeviceCode | None = None  # the code this device claimed in the round

    @property
    def rules(self) -> RoundRules | None:
        if self.vote_round is None:
            return None
        return _rules(self.vote_round, _parse_ballot_rows(self.ballot or ""))


def _ballot_rows() -> Any:
    """The round's ballot as one text column, "position:proposal:cost" joined by commas: a
    row per proposal would have the ORM load every entity of the setting once per proposal
    (half of the setting's CPU with 10 proposals, measured on PostgreSQL). group_concat on
    SQLite, string_agg on PostgreSQL; neither orders here, so the position travels along."""
    rows = RoundProposal.__table__  # type: ignore[attr-defined]
    entry = (
        cast(rows.c.position, String)
        + ":"
        + cast(rows.c.proposal_id, String)
        + ":"
        + func.coalesce(cast(rows.c.cost, String), "")
    )
    return (
        sa_select(func.aggregate_strings(entry, ","))
        .where(rows.c.round_id == VoteRound.id)
        .scalar_subquery()
    )


def _parse_ballot_rows(text: str) -> list[BallotRow]:
    """_ballot_rows's text back to the ballot's rows, in ballot order."""
    entries = sorted(
        (int(position), int(pid), int(cost) if cost else None)
        for position, pid, cost in (entry.split(":") for entry in text.split(",") if entry)
    )
    return [BallotRow(pid, cost) for _position, pid, cost in entries]


@functools.cache
def _workshop_ballot_query() -> Any:
    """Built once: a statement object keeps its SQL cache key, so the hot path neither rebuilds
    the joins nor recomputes the key on every ballot (both showed in profiles)."""
    device = bindparam("device", type_=String)
    return (
        # RoundPresence too: loaded into the session, so that the presence check of a hall
        # round (eligibility.is_present, a session.get) finds it without another query.
        sa_select(Workshop, Participant, VoteRound, _ballot_rows(), RoundPresence, DeviceCode)
        .select_from(Workshop)
        .outerjoin(
            DeviceParticipant,
            and_(
                col(DeviceParticipant.workshop_id) == Workshop.id,
                col(DeviceParticipant.device_hash) == device,
            ),
        )
        .outerjoin(Participant, col(Participant.id) == DeviceParticipant.participant_id)
        .outerjoin(
            VoteRound,
            and_(
                col(VoteRound.workshop_id) == Workshop.id,
                col(VoteRound.status) == RoundStatus.open,
            ),
        )
        .outerjoin(
            RoundPresence,
            and_(
                col(RoundPresence.round_id) == VoteRound.id,
                col(RoundPresence.participant_id) == Participant.id,
            ),
        )
        .outerjoin(
            DeviceCode,
            and_(col(DeviceCode.round_id) == VoteRound.id, col(DeviceCode.device_hash) == device),
        )
        .where(col(Workshop.join_code) == bindparam("join_code", type_=String))
    )


def workshop_ballot_setting(session: Session, code: str, device: str | None) -> BallotSetting:
    """The workshop with this join code, the participant this device joined it as, its open
    round, that round's ballot and the code this device claimed in it, in one query of one
    row: the device's server-side session costs the ballot no statement."""
    normalized = join_codes.normalize(code)
    if not join_codes.is_well_formed(normalized):
        return BallotSetting(None)
    found = session.execute(
        _workshop_ballot_query(), {"device": device or "", "join_code": normalized}
    ).first()
    if found is None:
        return BallotSetting(None)
    workshop, participant, vote_round, ballot, presence, claim = found
    return BallotSetting(
        vote_round,
        ballot,
        workshop=workshop,
        participant=participant,
        presence=presence,
        claim=claim,
    )


def code_ballot_setting(session: Session, round_id: int, device: str | None) -> BallotSetting:
    """A round, its city, its ballot and the code this device claimed in it, in one query of
    one row."""
    query = (
        sa_select(VoteRound, City, _ballot_rows(), DeviceCode)
        .select_from(VoteRound)
        .join(City, col(City.id) == VoteRound.city_id)
        .outerjoin(
            DeviceCode,
            and_(
                col(DeviceCode.round_id) == VoteRound.id,
                col(DeviceCode.device_hash) == (device or ""),
            ),
        )
        .where(col(VoteRound.id) == round_id)
    )
    found = session.execute(query).first()
    if found is None:
        raise NotFound(_("There is no vote with this number."))
    vote_round, city, ballot, claim = found
    return BallotSetting(vote_round, ballot, city=city, claim=claim)


def cast_ballot(
    session: Session,
    vote_round: VoteRound,
    *,
    voter_key: str,
    group: str,
    marks: Mapping[int, int],
    client_key: str,
    secret_key: str,
    participant: Participant | None = None,
    rules: RoundRules | None = None,
) -> str:
    """Store this voter's ballot (replacing an earlier one) and return its receipt code.

    Exactly one ballot per voter key results, even from two simultaneous submissions: one
    INSERT ... ON CONFLICT DO UPDATE on the unique (round, voter_key) decides atomically.
    `rules` saves a query when the caller has already read the round's ballot rows.

    The INSERT takes its row from a SELECT of the round that is still open, FOR SHARE on
    PostgreSQL: ballots go in side by side, a close waits for them, and a ballot that waited
    for a close finds the round closed and inserts nothing (PostgreSQL re-checks the WHERE on
    the closed row). SQLite's BEGIN IMMEDIATE already serializes the whole request.
    """
    ensure_can_vote(vote_round, group)
    try:
        values = validate_ballot(rules or rules_of(session, vote_round), marks)
    except BallotError as error:
        raise UserError(_ballot_message(error), status_code=422) from error
    receipt = _receipt(secret_key, voter_key, client_key)
    upsert, mark_voted = _ballot_statements(session.get_bind().dialect.name)
    row = {
        "id": secrets.token_hex(16),
        "round_id": vote_round.id,
        "voter_key": voter_key,
        "stakeholder_group": group,
        "marks": {str(pid): value for pid, value in sorted(values.items())},
        "receipt_hash": _receipt_hash(secret_key, receipt),
        "now": utcnow(),
        "participant_id": participant.id if participant is not None else None,
    }
    if session.execute(upsert, row).first() is None:  # the round closed while this waited
        raise Conflict(_("This vote is closed. Your ballot was not recorded."))
    if mark_voted is not None and participant is not None:
        session.execute(mark_voted, row)
    return receipt


_BALLOT_COLUMNS = ("id", "round_id", "voter_key", "stakeholder_group", "marks", "receipt_hash")


@functools.cache
def _ballot_statements(dialect: str) -> tuple[Any, Any | None]:
    """The ballot upsert and the has-voted marker, built once per dialect (Core statements on
    the tables, so neither the ORM's bulk-insert path nor the statement building runs per
    ballot).

    The upsert inserts its row from a SELECT of the round that is still open (FOR SHARE on
    PostgreSQL) and RETURNs the round id, so no row back means the round had closed; rowcount
    is not reliable for INSERT on psycopg.

    PostgreSQL: one statement does both (the marker is a data-modifying WITH that inserts only
    when the ballot went in and a participant is named), so a ballot is a single atomic
    statement (see app/db.one_statement) and the marker is None. SQLite has no DML in WITH: the
    marker is a statement of its own, in the same transaction.
    """
    postgres = dialect == "postgresql"
    insert = postgresql_insert if postgres else sqlite_insert
    ballots = Ballot.__table__  # type: ignore[attr-defined]
    params = {name: bindparam(name, type_=ballots.c[name].type) for name in _BALLOT_COLUMNS}
    rounds = VoteRound.__table__  # type: ignore[attr-defined]
    still_open = (
        sa_select(*params.values())
        .where(
            rounds.c.id == params["round_id"],
            rounds.c.status == RoundStatus.open,
            or_(rounds.c.closes_at.is_(None), rounds.c.closes_at > bindparam("now")),
        )
        .with_for_update(read=True)
    )
    new_ballot = insert(ballots).from_select(list(_BALLOT_COLUMNS), still_open)
    upsert = new_ballot.on_conflict_do_update(
        index_elements=["round_id", "voter_key"],
        set_={
            name: new_ballot.excluded[name]
            for name in ("marks", "stakeholder_group", "receipt_hash")
        },
    ).returning(ballots.c.round_id)
    voters = RoundVoter.__table__  # type: ignore[attr-defined]
    participant_id = bindparam("participant_id", type_=voters.c.participant_id.type)
    if not postgres:
        mark_voted = (
            insert(voters)
            .values(round_id=bindparam("round_id"), participant_id=participant_id)
            .on_conflict_do_nothing()
        )
        return upsert, mark_voted
    stored = upsert.cte("stored")
    marked = (
        insert(voters)
        .from_select(
            ["round_id", "participant_id"],
            sa_select(stored.c.round_id, participant_id).where(participant_id.is_not(None)),
        )
        .on_conflict_do_nothing()
        .cte("marked")
    )
    return sa_select(stored.c.round_id).add_cte(marked), None


def _ballot_of(session: Session, vote_round: VoteRound, voter_key: str) -> Ballot | None:
    query = select(Ballot).where(Ballot.round_id == vote_round.id, Ballot.voter_key == voter_key)
    return session.exec(query).first()


def my_marks(session: Session, vote_round: VoteRound, voter_key: str) -> dict[int, int] | None:
    ballot = _ballot_of(session, vote_round, voter_key)
    return {int(k): v for k, v in ballot.marks.items()} if ballot else None


def has_voted(session: Session, vote_round: VoteRound, participant: Participant) -> bool:
    return session.get(RoundVoter, (vote_round.id, participant.id)) is not None


def stored_ballots(session: Session, vote_round: VoteRound) -> list[DomainBallot]:
    query = (
        select(Ballot.id, Ballot.stakeholder_group, Ballot.marks)
        .where(Ballot.round_id == vote_round.id)
        .order_by(col(Ballot.id))
    )
    return [
        DomainBallot(
            ballot_id=ballot_id,
            stakeholder_group=str(group),
            values={int(k): int(v) for k, v in marks.items()},
        )
        for ballot_id, group, marks in session.exec(query).all()
    ]


def ballot_count(session: Session, vote_round: VoteRound) -> int:
    query = select(func.count()).select_from(Ballot).where(Ballot.round_id == vote_round.id)
    return int(session.exec(query).one())


def turnout_by_group(session: Session, vote_round: VoteRound) -> dict[str, int]:
    query = (
        select(Ballot.stakeholder_group, func.count())
        .where(Ballot.round_id == vote_round.id)
        .group_by(col(Ballot.stakeholder_group))
    )
    return {str(group): int(n) for group, n in session.exec(query).all()}


# --- receipts ---------------------------------------------------------------------------------


def normalize_code(code: str) -> str:
    """Upper case, no spaces or dashes; Thai keyboards often type lower case."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


@dataclass(frozen=True)
class ReceiptCheck:
    vote_round: VoteRound
    city: City | None


def check_receipt(session: Session, code: str, *, secret_key: str) -> ReceiptCheck | None:
    """Which round a receipt's ballot is in; None if no current ballot has this receipt."""
    if not 8 <= len(normalize_code(code)) <= 20:
        return None
    query = select(Ballot.round_id).where(Ballot.receipt_hash == _receipt_hash(secret_key, code))
    round_id = session.exec(query).first()
    if round_id is None:
        return None
    vote_round = get_round(session, round_id)
    return ReceiptCheck(vote_round, session.get(City, vote_round.city_id))


# --- one-time codes ---------------------------------------------------------------------------


def _new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _i in range(10))
    return f"{raw[:5]}-{raw[5:]}"


def _code_hash(secret_key: str, vote_round: VoteRound, code: str) -> str:
    return keyed_hash(secret_key, "code", vote_round.id, normalize_code(code))


def _ensure_online(vote_round: VoteRound) -> None:
    if vote_round.workshop_id is not None and vote_round.eligibility != Eligibility.codes:
        raise Conflict(_("This workshop vote does not use printed codes."))
    if vote_round.status == RoundStatus.closed:
        raise Conflict(_("This vote is closed."))


def generate_codes(
    session: Session, vote_round: VoteRound, count: int, *, secret_key: str
) -> list[str]:
    """N new codes; only their hashes are kept, so the caller must hand them out now."""
    _ensure_online(vote_round)
    if not 1 <= count <= MAX_CODES_PER_BATCH:
        raise UserError(
            _("Generate between 1 and %(max)s codes at a time.") % {"max": MAX_CODES_PER_BATCH},
            status_code=422,
        )
    codes = [_new_code() for _i in range(count)]
    session.add_all(
        VotingCode(round_id=vote_round.id or 0, code_hash=_code_hash(secret_key, vote_round, c))
        for c in codes
    )
    session.flush()
    return codes


def issue_verified_code(
    session: Session, vote_round: VoteRound, group: str, actor: StaffAccount, *, secret_key: str
) -> str:
    """A code for one voter a staff member has checked in person; no ID number is recorded."""
    _ensure_online(vote_round)
    if group not in vote_round.eligible_groups:
        raise UserError(_("This group is not invited to this vote."), status_code=422)
    code = _new_code()
    session.add(
        VotingCode(
            round_id=vote_round.id or 0,
            code_hash=_code_hash(secret_key, vote_round, code),
            stakeholder_group=group,
            verified_by_id=actor.id,
        )
    )
    session.flush()
    return code


def code_count(session: Session, vote_round: VoteRound) -> tuple[int, int]:
    """(codes issued, codes used)."""
    total = session.exec(
        select(func.count()).select_from(VotingCode).where(VotingCode.round_id == vote_round.id)
    ).one()
    used = session.exec(
        select(func.count())
        .select_from(VotingCode)
        .where(VotingCode.round_id == vote_round.id, col(VotingCode.claim_hash).is_not(None))
    ).one()
    return int(total), int(used)


def claim_code(
    session: Session, vote_round: VoteRound, code: str, claim_token: str, *, secret_key: str
) -> VotingCode:
    """Bind a code to one browser. The same browser may come back; any other is refused."""
    found = session.exec(
        select(VotingCode).where(
            VotingCode.round_id == vote_round.id,
            VotingCode.code_hash == _code_hash(secret_key, vote_round, code),
        )
    ).first()
    if found is None:
        raise UserError(
            _("This code is not valid for this vote. Check the code on your card."),
            status_code=422,
        )
    claim = keyed_hash(secret_key, "claim", claim_token)
    if found.claim_hash == claim:
        return found
    # Compare-and-set: of two browsers racing with one code, exactly one wins.
    won = session.exec(
        update(VotingCode)
        .where(col(VotingCode.id) == found.id, col(VotingCode.claim_hash).is_(None))
        .values(claim_hash=claim)
    ).rowcount
    if not won:
        raise Conflict(
            _("This code has already been used. Each code can vote from one device only.")
        )
    session.refresh(found)
    return found


# --- results ----------------------------------------------------------------------------------


def results(session: Session, vote_round: VoteRound) -> ResultDocument:
    """The frozen result of a closed round, or the live count of an open one."""
    if vote_round.status == RoundStatus.closed and vote_round.result is not None:
        return ResultDocument.from_json(vote_round.result)
    return ResultDocument.count(
        rules_of(session, vote_round),
        stored_ballots(session, vote_round),
        vote_round.eligible_groups,
    )


def primary_rule(vote_round: VoteRound) -> str:
    return RULES[Method(vote_round.method)][0]


def primary_scores(session: Session, vote_round: VoteRound) -> list[tuple[int, int | float]]:
    """(proposal id, score) by the method's first rule, best first: what the plan records.
    Our own rounds' proposal ids are whole numbers (text ids come only from files)."""
    ranking = results(session, vote_round).ranking(primary_rule(vote_round))
    return [(int(row.proposal_id), row.score) for row in ranking]


def export_files(session: Session, vote_round: VoteRound) -> tuple[str, str]:
    """The anonymized ballots CSV and the round JSON that `app.cli recount` reads."""
    rows = ballot_rows(session, vote_round)
    rules = _rules(vote_round, rows)
    ballots = stored_ballots(session, vote_round)
    titles = {e.proposal.id or 0: e.proposal.title for e in _entries(session, rows)}
    extra: dict[str, object] = {
        "round_id": vote_round.id,
        "question": vote_round.question,
        "status": str(vote_round.status),
        "closed_at": vote_round.closed_at.isoformat() if vote_round.closed_at else None,
        "digest": vote_round.digest,
        "ballots": len(ballots),
    }
    return ballot_files.ballots_csv(ballots), ballot_files.round_json(rules, titles, extra)


def research_file(session: Session, vote_round: VoteRound, kind: str) -> str:
    """A closed round in the research community's format: a budget round as a Pabulib
    file (kind "pb"), a ranked round as a PrefLib file of incomplete orders ("soi")."""
    wanted = {"pb": Method.budget, "soi": Method.ranked}[kind]
    if Method(vote_round.method) is not wanted:
        raise NotFound(_("This kind of file is not made for this kind of vote."))
    if vote_round.status != RoundStatus.closed:
        raise Conflict(_("Close the vote first: the file holds its final ballots."))
    rules = rules_of(session, vote_round)
    ballots = stored_ballots(session, vote_round)
    titles = {e.proposal.id or 0: e.proposal.title for e in ballot_entries(session, vote_round)}
    if kind == "soi":
        name = f"round-{vote_round.id}.soi"
        return election_formats.preflib_soi(rules, ballots, titles, vote_round.question, name)
    meta = {
        "description": vote_round.question,
        "country": "Thailand",
        "instance": vote_round.id,
        "date_end": vote_round.closed_at.date().isoformat() if vote_round.closed_at else None,
    }
    return election_formats.pabulib_text(rules, ballots, titles, meta)
