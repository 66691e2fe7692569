"""an optional map point on a proposal: latitude and longitude, both or neither, in Thailand;
a proposal comment deleted by its author (deleted_at); supporters per group counted from an
index (proposal_id, stakeholder_group) instead of proposal_id alone, and the board's count from
an index (city_id, status)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01 10:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('proposal', schema=None) as batch_op:
        batch_op.add_column(sa.Column('latitude', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('longitude', sa.Float(), nullable=True))
        batch_op.create_check_constraint(
            op.f('ck_proposal_map_point_pair'), '(latitude IS NULL) = (longitude IS NULL)'
        )
        batch_op.create_check_constraint(
            op.f('ck_proposal_map_point_thailand'),
            'latitude IS NULL OR (latitude BETWEEN 5.6 AND 20.5 AND longitude BETWEEN 97.3 AND 105.7)',
        )
        batch_op.create_index('ix_proposal_city_status', ['city_id', 'status'], unique=False)
    with op.batch_alter_table('proposal_comment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('proposal_support', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_proposal_support_proposal_id'))
        batch_op.create_index(
            'ix_proposal_support_proposal_group', ['proposal_id', 'stakeholder_group'], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table('proposal_support', schema=None) as batch_op:
        batch_op.drop_index('ix_proposal_support_proposal_group')
        batch_op.create_index(
            batch_op.f('ix_proposal_support_proposal_id'), ['proposal_id'], unique=False
        )
    with op.batch_alter_table('proposal_comment', schema=None) as batch_op:
        batch_op.drop_column('deleted_at')
    with op.batch_alter_table('proposal', schema=None) as batch_op:
        batch_op.drop_index('ix_proposal_city_status')
        batch_op.drop_constraint(op.f('ck_proposal_map_point_thailand'), type_='check')
        batch_op.drop_constraint(op.f('ck_proposal_map_point_pair'), type_='check')
        batch_op.drop_column('longitude')
        batch_op.drop_column('latitude')
