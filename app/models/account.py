from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.models.base import choice, created_at


class Role(StrEnum):
    admin = "admin"
    planner = "planner"
    facilitator = "facilitator"
    agency = "agency"  # reports progress on the plan items of its agency


class StaffAccount(SQLModel, table=True):
    """A municipal or programme staff member who logs in. Participants never have one."""

    __tablename__ = "staff_account"
    __table_args__ = (choice([r.value for r in Role], "role"),)

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True)
    display_name: str = Field(max_length=120)
    password_hash: str = Field(max_length=255)
    role: Role = Field(sa_type=sa.String(20))
    city_id: int | None = Field(default=None, foreign_key="city.id")
    agency_id: int | None = Field(default=None, foreign_key="agency.id")
    is_active: bool = True
    # Signed session cookies carry this number; raising it (logout, a new password, "sign out
    # everywhere") ends every session issued before.
    session_version: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    created_at: datetime = created_at()
