"""a city's board revision: moves on with every change to what its proposal board lists, so
that rendered board pages can be cached per revision

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01 13:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0018'
down_revision: str | None = '0017'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('city', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('board_revision', sa.Integer(), server_default='0', nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table('city', schema=None) as batch_op:
        batch_op.drop_column('board_revision')
