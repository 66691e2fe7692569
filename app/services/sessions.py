"""Sessions that can end: a staff account's session version, and what a phone's session holds
on the server (its workshop memberships and claimed codes), found by the SHA-256 of the random
device id its cookie carries."""

import hashlib
import secrets

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from app.models import (
    City,
    DeviceBoardParticipant,
    DeviceCode,
    DeviceParticipant,
    Participant,
    StaffAccount,
    Workshop,
)

DEVICE_TABLES = (DeviceParticipant, DeviceBoardParticipant, DeviceCode)  # all a device holds


def new_device_id() -> str:
    return secrets.token_urlsafe(32)


def device_hash(device_id: str) -> str:
    """At rest only the hash: a leaked table opens no phone's session."""
    return hashlib.sha256(device_id.encode()).hexdigest()


def end_staff_sessions(session: Session, account: StaffAccount) -> int:
    """Every session cookie issued to this account so far stops working; returns the new
    version, which the caller's own cookie may take to stay signed in."""
    session.exec(
        update(StaffAccount)
        .where(col(StaffAccount.id) == account.id)
        .values(session_version=StaffAccount.session_version + 1)
    )
    session.refresh(account)
    return account.session_version


def participant_of_device(
    session: Session, workshop: Workshop, hashed: str | None
) -> Participant | None:
    if hashed is None:
        return None
    query = (
        select(Participant)
        .join(DeviceParticipant, col(DeviceParticipant.participant_id) == Participant.id)
        .where(
            DeviceParticipant.device_hash == hashed,
            DeviceParticipant.workshop_id == workshop.id,
        )
    )
    return session.exec(query).first()


def link_participant(session: Session, hashed: str, participant: Participant) -> None:
    session.add(
        DeviceParticipant(
            device_hash=hashed,
            workshop_id=participant.workshop_id or 0,
            participant_id=participant.id or 0,
        )
    )
    session.flush()


def code_claim(session: Session, hashed: str | None, round_id: int) -> DeviceCode | None:
    return session.get(DeviceCode, (hashed, round_id)) if hashed else None


def remember_code(
    session: Session, hashed: str, round_id: int, *, code: str, claim_token: str, group: str
) -> None:
    claim = code_claim(session, hashed, round_id)
    if claim is None:
        claim = DeviceCode(
            device_hash=hashed,
            round_id=round_id,
            code=code,
            claim_token=claim_token,
            stakeholder_group=group,
        )
    else:
        claim.code, claim.claim_token, claim.stakeholder_group = code, claim_token, group
    session.add(claim)
    session.flush()


def move_device(session: Session, old_hash: str, new_hash: str) -> None:
    """A new session id for the same device (on login and on joining): what the old id held
    moves to the new one, and a copy of the old cookie opens nothing."""
    for table in DEVICE_TABLES:
        session.exec(
            update(table).where(col(table.device_hash) == old_hash).values(device_hash=new_hash)
        )


def forget_device(session: Session, hashed: str) -> None:
    """ "I'm done, clear this phone": the device's memberships (workshops, city boards) and
    codes are dropped, so the
    next person starts afresh. A claimed code stays claimed (by no one now): its ballot stays
    counted and can no longer be changed from anywhere."""
    for table in DEVICE_TABLES:
        session.exec(delete(table).where(col(table.device_hash) == hashed))


def board_participant_of_device(
    session: Session, city: City, hashed: str | None
) -> Participant | None:
    if hashed is None:
        return None
    query = (
        select(Participant)
        .join(DeviceBoardParticipant, col(DeviceBoardParticipant.participant_id) == Participant.id)
        .where(
            DeviceBoardParticipant.device_hash == hashed, DeviceBoardParticipant.city_id == city.id
        )
    )
    return session.exec(query).first()


def link_board_participant(session: Session, hashed: str, participant: Participant) -> None:
    session.add(
        DeviceBoardParticipant(
            device_hash=hashed, city_id=participant.city_id or 0, participant_id=participant.id or 0
        )
    )
    session.flush()
