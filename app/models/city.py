from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

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
    __table_args__ = (choice([t.value for t in MunicipalityType], "municipality_type"),)

    id: int | None = Field(default=None, primary_key=True)
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
