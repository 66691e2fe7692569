"""Whose ballot counts in a round: the eligibility rule, presence in the hall, printed codes
in a workshop, turnout against the eligible, and the join rate the console watches.

The ballot path asks `ballot_identity` once per request; everything else here is for the
presence screen, the console and the results.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from app.domain import presence
from app.domain.eligibility import (
    Eligibility,
    GroupTurnout,
    is_burst,
    joins_per_minute,
    turnout_rows,
)
from app.domain.errors import Conflict, Forbidden, UserError
from app.domain.rate_limit import retry_after
from app.i18n import gettext as _
from app.models import (
    DeviceCode,
    Participant,
    PresenceMiss,
    RoundPresence,
    VoteRound,
    VotingCode,
    Workshop,
    utcnow,
)
from app.services import voting


class PresenceRequired(Forbidden):
    """A phone without confirmed presence tried to see or send an "in the hall" ballot."""


class CardRequired(Forbidden):
    """A phone tried to vote in a "codes" workshop round without entering its card's code."""


class TooManyTries(UserError):
    status_code = 429

    def __init__(self, seconds: int) -> None:
        minutes = max(1, -(-seconds // 60))
        super().__init__(
            _(
                "Too many wrong codes. Try again in %(minutes)s minutes, "
                "or show your check-in number to a facilitator."
            )
            % {"minutes": minutes}
        )
        self.retry_after = seconds


@dataclass(frozen=True)
class BallotIdentity:
    """Whose ballot a phone sends: the key that keeps one ballot per voter, and the group."""

    voter_key: str
    group: str


def is_present(session: Session, vote_round: VoteRound, participant: Participant) -> bool:
    return session.get(RoundPresence, (vote_round.id, participant.id)) is not None


def ballot_identity(
    session: Session,
    vote_round: VoteRound,
    participant: Participant,
    claim: DeviceCode | None,
    *,
    secret_key: str,
) -> BallotIdentity:
    """The identity a workshop phone votes under, or a refusal that writes nothing.

    open: the participant. hall: the participant, once present in this round. codes: the
    card's code the phone claimed in this round (`claim`, kept on the server); the group is the
    code's if it carries one, else the participant's (stored with the claim).
    """
    rule = Eligibility(vote_round.eligibility)
    if rule is Eligibility.codes:
        if claim is None or claim.round_id != vote_round.id:
            raise CardRequired(_("Type the code on your voting card first."))
        return BallotIdentity(
            voting.code_voter_key(secret_key, vote_round, claim.code), claim.stakeholder_group
        )
    if rule is Eligibility.hall and not is_present(session, vote_round, participant):
        raise PresenceRequired(
            _("Type the code shown on the screen in the hall first. Your ballot was not recorded.")
        )
    return BallotIdentity(
        voting.participant_voter_key(secret_key, vote_round, participant),
        participant.stakeholder_group,
    )


def _insert_presence(session: Session, vote_round: VoteRound, participant: Participant) -> None:
    """Idempotent: a second confirmation (or a mark at the door) changes nothing."""
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    session.exec(
        insert(RoundPresence)
        .values(round_id=vote_round.id, participant_id=participant.id)
        .on_conflict_do_nothing()
    )


def _ensure_hall_round(vote_round: VoteRound) -> None:
    if vote_round.eligibility != Eligibility.hall:
        raise Conflict(_("This vote does not ask for a presence code."))
    if not voting.accepting(vote_round):
        raise Conflict(_("This vote is not open."))


def confirm_presence(
    session: Session,
    vote_round: VoteRound,
    participant: Participant,
    typed: str,
    *,
    secret_key: str,
    now: datetime | None = None,
) -> bool:
    """True if `typed` is a valid presence code (presence stored); False if it is wrong (the
    miss is stored, so the caller must commit either way). Over the wrong-code limit the
    answer is TooManyTries even for a right code, or the limit would bound nothing."""
    now = now or utcnow()
    _ensure_hall_round(vote_round)
    if is_present(session, vote_round, participant):
        return True
    window_start = now - presence.WRONG_CODE_LIMIT.window
    misses = session.exec(
        select(PresenceMiss.created_at).where(
            PresenceMiss.round_id == vote_round.id,
            PresenceMiss.participant_id == participant.id,
            col(PresenceMiss.created_at) > window_start,
        )
    ).all()
    wait = retry_after(list(misses), now, presence.WRONG_CODE_LIMIT)
    if wait is not None:
        raise TooManyTries(wait)
    if presence.accepts(
        secret_key, vote_round.id or 0, typed, opened_at=vote_round.opened_at, now=now
    ):
        _insert_presence(session, vote_round, participant)
        return True
    session.add(
        PresenceMiss(
            round_id=vote_round.id or 0, participant_id=participant.id or 0, created_at=now
        )
    )
    session.flush()
    return False


def claim_card(
    session: Session,
    vote_round: VoteRound,
    participant: Participant,
    code: str,
    claim_token: str,
    *,
    secret_key: str,
) -> str:
    """A phone in a "codes" workshop round claims its card's code (voting.claim_code: one
    device per code); the group voted under is the code's, else the participant's."""
    if vote_round.eligibility != Eligibility.codes:
        raise Conflict(_("This vote does not use printed codes."))
    if not voting.accepting(vote_round):
        raise Conflict(_("This vote is not open."))
    if not voting.normalize_code(code):
        raise UserError(_("Type the code printed on your card."), status_code=422)
    found = voting.claim_code(session, vote_round, code, claim_token, secret_key=secret_key)
    return found.stakeholder_group or participant.stakeholder_group


def checkin_number(secret_key: str, participant: Participant) -> str:
    return presence.checkin_number(secret_key, participant.workshop_id or 0, participant.token)


def mark_present(
    session: Session, workshop: Workshop, typed: str, *, secret_key: str
) -> tuple[VoteRound, Participant]:
    """A facilitator marks the phone with this check-in number present in the open round."""
    vote_round = voting.open_round_of(session, workshop)
    if vote_round is None:
        raise Conflict(_("No vote is open in this workshop right now."))
    _ensure_hall_round(vote_round)
    wanted = presence.normalize_checkin(typed)
    if len(wanted) != presence.CHECKIN_LENGTH:
        raise UserError(_("A check-in number has six characters."), status_code=422)
    people = session.exec(select(Participant).where(Participant.workshop_id == workshop.id)).all()
    found = [p for p in people if checkin_number(secret_key, p) == wanted]
    if len(found) != 1:
        raise UserError(
            _("No phone in this workshop shows check-in number %(number)s.") % {"number": wanted},
            status_code=422,
        )
    _insert_presence(session, vote_round, found[0])
    return vote_round, found[0]


# --- the presence code on the screens, and the join rate -------------------------------------


@dataclass(frozen=True)
class PresencePanel:
    """What the console and the projector show about the open round's eligibility."""

    vote_round: VoteRound | None
    code: str | None  # "123 456" while a hall round is open
    seconds_left: int
    present: int
    joins: list[int]  # the last ten minutes, oldest first
    burst: bool


def panel(
    session: Session, workshop: Workshop, *, secret_key: str, now: datetime | None = None
) -> PresencePanel:
    now = now or utcnow()
    vote_round = voting.open_round_of(session, workshop)
    code = None
    present = 0
    if vote_round is not None and vote_round.eligibility == Eligibility.hall:
        code = presence.display(presence.current_code(secret_key, vote_round.id or 0, now))
        present = int(
            session.exec(
                select(func.count())
                .select_from(RoundPresence)
                .where(RoundPresence.round_id == vote_round.id)
            ).one()
        )
    since = now.replace(second=0, microsecond=0) - timedelta(minutes=9)
    times = session.exec(
        select(Participant.created_at).where(
            Participant.workshop_id == workshop.id, col(Participant.created_at) >= since
        )
    ).all()
    joins = joins_per_minute(times, now)
    return PresencePanel(
        vote_round=vote_round,
        code=code,
        seconds_left=presence.seconds_left(now),
        present=present,
        joins=joins,
        burst=is_burst(joins),
    )


# --- turnout against the eligible ------------------------------------------------------------


@dataclass(frozen=True)
class Turnout:
    rule: Eligibility
    rows: list[GroupTurnout]
    eligible: int
    voted: int

    @property
    def share(self) -> float | None:
        return self.voted / self.eligible if self.eligible else None


def turnout(session: Session, vote_round: VoteRound) -> Turnout:
    """Eligible, voted and turnout per invited group. Eligible: joined participants (open),
    present participants (hall), issued codes (codes: per group where the codes carry one;
    a code without a group can be used by any group, so then only the total is known)."""
    rule = Eligibility(vote_round.eligibility)
    voted = voting.turnout_by_group(session, vote_round)
    known = True
    if rule is Eligibility.codes:
        by_code = session.exec(
            select(VotingCode.stakeholder_group, func.count())
            .where(VotingCode.round_id == vote_round.id)
            .group_by(col(VotingCode.stakeholder_group))
        ).all()
        known = all(group is not None for group, _n in by_code)
        eligible = {str(group): int(n) for group, n in by_code if group is not None}
        total = sum(int(n) for _group, n in by_code)
    else:
        query = select(Participant.stakeholder_group, func.count()).where(
            Participant.workshop_id == vote_round.workshop_id
        )
        if rule is Eligibility.hall:
            query = query.join(
                RoundPresence,
                col(RoundPresence.participant_id) == col(Participant.id),
            ).where(RoundPresence.round_id == vote_round.id)
        rows_ = session.exec(query.group_by(col(Participant.stakeholder_group))).all()
        eligible = {str(group): int(n) for group, n in rows_}
        total = sum(n for g, n in eligible.items() if g in vote_round.eligible_groups)
    rows = turnout_rows(vote_round.eligible_groups, eligible, voted, known=known)
    return Turnout(rule, rows, total, sum(voted.values()))


def vote_path(session: Session, vote_round: VoteRound) -> str:
    """Where a code card's holder votes: the workshop's ballot, or the online ballot."""
    if vote_round.workshop_id is not None:
        workshop = session.get(Workshop, vote_round.workshop_id)
        return f"/w/{workshop.join_code}/vote" if workshop else "/"
    return f"/v/{vote_round.id}"
