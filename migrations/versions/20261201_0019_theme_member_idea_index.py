"""an index on theme_member.idea_id: the plan's provenance chains and erasure look theme
members up by idea, and the primary key leads with run_id

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01 14:45:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0019'
down_revision: str | None = '0018'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('theme_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_theme_member_idea_id'), ['idea_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('theme_member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_theme_member_idea_id'))
