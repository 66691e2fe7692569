"""What a phone's session holds on the server: the cookie carries only a random device id, and
these rows are found by its SHA-256 (app.services.sessions), so a copied or decoded cookie
reveals no participant token, code or receipt, and clearing a phone forgets its rows.

No row here names a ballot: a code is kept as typed (the ballot's key is a keyed hash of it,
as a participant's is of the participant's token), so the tables alone join nothing to a vote.
"""

from sqlmodel import Field, SQLModel


class DeviceParticipant(SQLModel, table=True):
    """This device joined this workshop as this participant."""

    __tablename__ = "device_participant"

    device_hash: str = Field(max_length=64, primary_key=True)
    workshop_id: int = Field(foreign_key="workshop.id", primary_key=True, ondelete="CASCADE")
    participant_id: int = Field(foreign_key="participant.id", unique=True, ondelete="CASCADE")


class DeviceCode(SQLModel, table=True):
    """The one-time code this device claimed for this round, the claim's token (the code's
    claim_hash is a keyed hash of it) and the group it votes under."""

    __tablename__ = "device_code"

    device_hash: str = Field(max_length=64, primary_key=True)
    round_id: int = Field(foreign_key="vote_round.id", primary_key=True, ondelete="CASCADE")
    code: str = Field(max_length=20)
    claim_token: str = Field(max_length=64)
    stakeholder_group: str = Field(max_length=20)


class DeviceBoardParticipant(SQLModel, table=True):
    """This device joined this city's proposal board as this participant."""

    __tablename__ = "device_board_participant"

    device_hash: str = Field(max_length=64, primary_key=True)
    city_id: int = Field(foreign_key="city.id", primary_key=True, ondelete="CASCADE")
    participant_id: int = Field(foreign_key="participant.id", unique=True, ondelete="CASCADE")
