"""The eligibility service with a fixed `now`: presence codes, the wrong-code limit, marking
at the door, ballot identities and turnout against the eligible for each rule."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import Session, func, select

from app.domain import presence
from app.domain.eligibility import Eligibility
from app.domain.errors import Conflict, UserError
from app.models import (
    DeviceCode,
    PresenceMiss,
    RoundPresence,
    RoundStatus,
    StakeholderGroup,
    VoteRound,
    Workshop,
)
from app.services import eligibility, voting
from tests import factories

SECRET = "service-test-secret"
NOW = datetime(2026, 12, 1, 9, 30, 30, tzinfo=UTC)


def _round(db: Session, rule: Eligibility) -> VoteRound:
    workshop = factories.workshop(db)
    vote_round = factories.vote_round(
        db, workshop=workshop, status=RoundStatus.open, eligibility=rule
    )
    vote_round.opened_at = NOW - timedelta(minutes=3)
    db.add(vote_round)
    db.commit()
    return vote_round


def _workshop(db: Session, vote_round: VoteRound) -> Workshop:
    workshop = db.get(Workshop, vote_round.workshop_id)
    assert workshop is not None
    return workshop


def _confirm(db: Session, vote_round: VoteRound, participant, typed: str, now: datetime = NOW):  # type: ignore[no-untyped-def]
    return eligibility.confirm_presence(
        db, vote_round, participant, typed, secret_key=SECRET, now=now
    )


def test_confirm_presence_stores_presence_once(db: Session) -> None:
    vote_round = _round(db, Eligibility.hall)
    person = factories.participant(db, workshop=_workshop(db, vote_round))
    code = presence.current_code(SECRET, vote_round.id or 0, NOW)
    assert _confirm(db, vote_round, person, code)
    assert _confirm(db, vote_round, person, code)  # again: still one row
    assert db.exec(select(func.count()).select_from(RoundPresence)).one() == 1
    assert eligibility.is_present(db, vote_round, person)


def test_wrong_presence_code_is_kept_and_limits_guessing(db: Session) -> None:
    vote_round = _round(db, Eligibility.hall)
    person = factories.participant(db, workshop=_workshop(db, vote_round))
    right = presence.current_code(SECRET, vote_round.id or 0, NOW)
    wrong = f"{(int(right) + 7) % 10**6:06d}"
    for n in range(5):
        assert not _confirm(db, vote_round, person, wrong, NOW + timedelta(seconds=n))
    assert db.exec(select(func.count()).select_from(PresenceMiss)).one() == 5
    with pytest.raises(eligibility.TooManyTries) as refused:
        _confirm(db, vote_round, person, right, NOW + timedelta(seconds=10))
    assert refused.value.status_code == 429
    assert refused.value.retry_after == 600 - 10
    # Ten minutes after the first miss, one more try is allowed (with a new code by then).
    later = NOW + timedelta(minutes=10, seconds=1)
    assert _confirm(
        db, vote_round, person, presence.current_code(SECRET, vote_round.id or 0, later), later
    )


@pytest.mark.parametrize("rule", [Eligibility.open, Eligibility.codes])
def test_presence_code_is_refused_in_rounds_that_do_not_use_it(
    db: Session, rule: Eligibility
) -> None:
    vote_round = _round(db, rule)
    person = factories.participant(db, workshop=_workshop(db, vote_round))
    with pytest.raises(Conflict):
        _confirm(db, vote_round, person, presence.current_code(SECRET, vote_round.id or 0, NOW))


def test_ballot_identity_follows_the_rule(db: Session) -> None:
    hall = _round(db, Eligibility.hall)
    person = factories.participant(db, workshop=_workshop(db, hall))
    with pytest.raises(eligibility.PresenceRequired):
        eligibility.ballot_identity(db, hall, person, None, secret_key=SECRET)
    _confirm(db, hall, person, presence.current_code(SECRET, hall.id or 0, NOW))
    identity = eligibility.ballot_identity(db, hall, person, None, secret_key=SECRET)
    assert identity.voter_key == voting.participant_voter_key(SECRET, hall, person)
    assert identity.group == person.stakeholder_group

    cards = _round(db, Eligibility.codes)
    holder = factories.participant(db, workshop=_workshop(db, cards))
    with pytest.raises(eligibility.CardRequired):
        eligibility.ballot_identity(db, cards, holder, None, secret_key=SECRET)
    claim = DeviceCode(
        device_hash="d" * 64,
        round_id=cards.id or 0,
        code="ABCDE23456",
        claim_token="t",
        stakeholder_group="business",
    )
    identity = eligibility.ballot_identity(db, cards, holder, claim, secret_key=SECRET)
    assert identity.voter_key == voting.code_voter_key(SECRET, cards, "ABCDE23456")
    assert identity.group == "business"


def test_mark_present_finds_the_phone_by_check_in_number(db: Session) -> None:
    vote_round = _round(db, Eligibility.hall)
    workshop = _workshop(db, vote_round)
    people = [factories.participant(db, workshop=workshop) for _ in range(3)]
    number = eligibility.checkin_number(SECRET, people[1])
    _in_round, marked = eligibility.mark_present(
        db, workshop, f"{number[:3]} {number[3:]}", secret_key=SECRET
    )
    assert marked.id == people[1].id
    assert eligibility.is_present(db, vote_round, people[1])
    assert not eligibility.is_present(db, vote_round, people[0])
    with pytest.raises(UserError):
        eligibility.mark_present(db, workshop, "12", secret_key=SECRET)


def test_turnout_counts_the_eligible_of_each_rule(db: Session) -> None:
    # open: everyone who joined
    open_round = _round(db, Eligibility.open)
    workshop = _workshop(db, open_round)
    for group in ("resident", "resident", "business"):
        factories.participant(db, workshop=workshop, group=StakeholderGroup(group))
    result = eligibility.turnout(db, open_round)
    rows = {r.group: r for r in result.rows}
    assert (rows["resident"].eligible, rows["business"].eligible, result.eligible) == (2, 1, 3)
    # hall: only the present
    hall = _round(db, Eligibility.hall)
    hall_workshop = _workshop(db, hall)
    here = factories.participant(db, workshop=hall_workshop)
    factories.participant(db, workshop=hall_workshop)
    _confirm(db, hall, here, presence.current_code(SECRET, hall.id or 0, NOW))
    assert eligibility.turnout(db, hall).eligible == 1
    # codes: issued codes, per group where they carry one
    cards = _round(db, Eligibility.codes)
    staff = factories.account(db)
    voting.issue_verified_code(db, cards, "business", staff, secret_key=SECRET)
    voting.issue_verified_code(db, cards, "business", staff, secret_key=SECRET)
    result = eligibility.turnout(db, cards)
    rows = {r.group: r for r in result.rows}
    assert (rows["business"].eligible, rows["resident"].eligible, result.eligible) == (2, 0, 2)
    voting.generate_codes(db, cards, 3, secret_key=SECRET)
    result = eligibility.turnout(db, cards)
    assert result.eligible == 5
    assert all(r.eligible is None for r in result.rows)  # some codes carry no group


def test_presence_tables_cannot_be_joined_to_ballots(engine: sa.Engine) -> None:
    """round_presence is like round_voter: who, never when or which ballot."""
    inspector = sa.inspect(engine)
    columns = {c["name"] for c in inspector.get_columns("round_presence")}
    assert columns == {"round_id", "participant_id"}
    referred = {fk["referred_table"] for fk in inspector.get_foreign_keys("round_presence")}
    assert referred == {"vote_round", "participant"}
    miss_columns = {c["name"] for c in inspector.get_columns("presence_miss")}
    assert not any("ballot" in c or "vote" in c for c in miss_columns)
    assert {c["name"] for c in inspector.get_columns("ballot")} == {
        "id",
        "round_id",
        "voter_key",
        "stakeholder_group",
        "marks",
        "receipt_hash",
    }
