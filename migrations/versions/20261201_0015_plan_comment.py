"""residents' comments on a plan version in public consultation (on one item or the
whole plan), moderated like proposal comments

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 10:16:26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('plan_comment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=True),
    sa.Column('author_participant_id', sa.Integer(), nullable=True),
    sa.Column('stakeholder_group', sa.String(length=20), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('hidden', sa.Boolean(), nullable=False),
    sa.Column('hidden_reason', sa.String(length=200), nullable=True),
    sa.Column('hidden_by_id', sa.Integer(), nullable=True),
    sa.Column('held_for_review', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("stakeholder_group IN ('resident', 'public_agency', 'business', 'civil_society', 'academia')", name=op.f('ck_plan_comment_stakeholder_group')),
    sa.ForeignKeyConstraint(['author_participant_id'], ['participant.id'], name=op.f('fk_plan_comment_author_participant_id_participant')),
    sa.ForeignKeyConstraint(['hidden_by_id'], ['staff_account.id'], name=op.f('fk_plan_comment_hidden_by_id_staff_account')),
    sa.ForeignKeyConstraint(['item_id'], ['plan_item.id'], name=op.f('fk_plan_comment_item_id_plan_item')),
    sa.ForeignKeyConstraint(['version_id'], ['plan_version.id'], name=op.f('fk_plan_comment_version_id_plan_version'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_comment'))
    )
    with op.batch_alter_table('plan_comment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_comment_author_participant_id'), ['author_participant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_plan_comment_item_id'), ['item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_plan_comment_version_id'), ['version_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('plan_comment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_comment_version_id'))
        batch_op.drop_index(batch_op.f('ix_plan_comment_item_id'))
        batch_op.drop_index(batch_op.f('ix_plan_comment_author_participant_id'))

    op.drop_table('plan_comment')
