from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.domain.retention import DEFAULT_BOARD_MONTHS, MAX_BOARD_MONTHS, MIN_BOARD_MONTHS
from app.models.base import choice


class MunicipalityType(StrEnum):
    city = "city"  # เทศบาลนคร
    town = "town"  # เทศบาลเมือง


class CityBase(SQLModel):
    slug: str = Field(max_length=40, unique=True)
    name_th: str = Field(max_length=120)
    name_en: str = Field(max_length=120)
    province_th: str = Field(max_length=80)
    province_en: str = Field(max_length=80)
    municipality_type: MunicipalityType = Field(sa_type=sa.String(10))
    programme_phase: int
    joined_year: int  # Common Era; shown as B.E. where Thai users expect it


class City(CityBase, table=True):
    __table_args__ = (
        choice([t.value for t in MunicipalityType], "municipality_type"),
        # app.domain.retention's bounds, so no write path can store a month count outside them.
        sa.CheckConstraint(
            f"board_retention_months BETWEEN {MIN_BOARD_MONTHS} AND {MAX_BOARD_MONTHS}",
            name="board_retention_months",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    # A board participant's personal data is kept this long after their last activity there.
    board_retention_months: int = Field(
        default=DEFAULT_BOARD_MONTHS,
        sa_column_kwargs={"server_default": str(DEFAULT_BOARD_MONTHS)},
    )
    # Moves on with every change to what the city's proposal board lists (live.board_changed),
    # so rendered board pages are cached per revision and never invalidated.
    board_revision: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class CityPublic(SQLModel):
    slug: str
    name_th: str
    name_en: str
    province: str
    province_en: str
    municipality_type: MunicipalityType
    programme_phase: int
    joined_year: int
