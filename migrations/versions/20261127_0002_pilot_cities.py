"""pilot cities of the Sustainable Future City programme

Reference data every deployment needs, so it ships as a migration rather than as demo data.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 16:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

city = sa.table(
    "city",
    sa.column("id", sa.Integer),
    sa.column("slug", sa.String),
    sa.column("name_th", sa.String),
    sa.column("name_en", sa.String),
    sa.column("province_th", sa.String),
    sa.column("province_en", sa.String),
    sa.column("municipality_type", sa.String),
    sa.column("programme_phase", sa.Integer),
    sa.column("joined_year", sa.Integer),
)

# (slug, Thai name, English name, province Thai, province English, type, phase, year CE)
PILOT_CITIES = [
    ("khon-kaen", "เทศบาลนครขอนแก่น", "Khon Kaen City Municipality", "ขอนแก่น", "Khon Kaen", "city", 1, 2015),
    ("chiang-rai", "เทศบาลนครเชียงราย", "Chiang Rai City Municipality", "เชียงราย", "Chiang Rai", "city", 1, 2015),
    ("phitsanulok", "เทศบาลนครพิษณุโลก", "Phitsanulok City Municipality", "พิษณุโลก", "Phitsanulok", "city", 1, 2015),
    ("krabi", "เทศบาลเมืองกระบี่", "Krabi Town Municipality", "กระบี่", "Krabi", "town", 1, 2015),
    ("nan", "เทศบาลเมืองน่าน", "Nan Town Municipality", "น่าน", "Nan", "town", 1, 2015),
    ("phanat-nikhom", "เทศบาลเมืองพนัสนิคม", "Phanat Nikhom Town Municipality", "ชลบุรี", "Chon Buri", "town", 1, 2015),
    ("chumphon", "เทศบาลเมืองชุมพร", "Chumphon Town Municipality", "ชุมพร", "Chumphon", "town", 2, 2019),
    ("ranong", "เทศบาลเมืองระนอง", "Ranong Town Municipality", "ระนอง", "Ranong", "town", 2, 2019),
]
KEYS = ("slug", "name_th", "name_en", "province_th", "province_en",
        "municipality_type", "programme_phase", "joined_year")


def upgrade() -> None:
    op.bulk_insert(city, [dict(zip(KEYS, row, strict=True)) for row in PILOT_CITIES])


def downgrade() -> None:
    # Cities that rows still point at stay; 0001's downgrade drops the table anyway.
    slugs = [row[0] for row in PILOT_CITIES]
    referenced = sa.union(
        *(sa.select(sa.column("city_id")).select_from(sa.table(name)).where(sa.column("city_id").is_not(None))
          for name in ("workshop", "proposal", "plan", "staff_account"))
    )
    op.execute(city.delete().where(city.c.slug.in_(slugs), city.c.id.not_in(referenced)))
