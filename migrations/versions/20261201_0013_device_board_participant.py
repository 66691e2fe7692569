"""a device's membership of a city's proposal board, kept on the server like its workshop
memberships (the cookie carries only the device id)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 07:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('device_board_participant',
    sa.Column('device_hash', sa.String(length=64), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['city_id'], ['city.id'], name=op.f('fk_device_board_participant_city_id_city'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], name=op.f('fk_device_board_participant_participant_id_participant'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('device_hash', 'city_id', name=op.f('pk_device_board_participant')),
    sa.UniqueConstraint('participant_id', name=op.f('uq_device_board_participant_participant_id'))
    )


def downgrade() -> None:
    op.drop_table('device_board_participant')
