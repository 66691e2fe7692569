"""themes: clustering runs (versions), theme members with manual moves, city word lists

The old theme table was never written to by any release, and idea.theme_id is replaced by
theme_member (one assignment per run); existing theme rows, if any, are dropped.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 19:09:15.354555
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('city_word',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.Column('word', sa.String(length=80), nullable=False),
    sa.ForeignKeyConstraint(['city_id'], ['city.id'], name=op.f('fk_city_word_city_id_city')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_city_word')),
    sa.UniqueConstraint('city_id', 'word', name=op.f('uq_city_word_city_id_word'))
    )
    with op.batch_alter_table('city_word', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_city_word_city_id'), ['city_id'], unique=False)

    op.create_table('theme_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workshop_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('progress', sa.Float(), nullable=False),
    sa.Column('requested_themes', sa.Integer(), nullable=True),
    sa.Column('comment_count', sa.Integer(), nullable=False),
    sa.Column('error_code', sa.String(length=40), nullable=True),
    sa.Column('error_params', sa.JSON(), nullable=True),
    sa.Column('params', sa.JSON(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('running', 'done', 'failed')", name=op.f('ck_theme_run_status')),
    sa.ForeignKeyConstraint(['created_by_id'], ['staff_account.id'], name=op.f('fk_theme_run_created_by_id_staff_account')),
    sa.ForeignKeyConstraint(['workshop_id'], ['workshop.id'], name=op.f('fk_theme_run_workshop_id_workshop'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_theme_run')),
    sa.UniqueConstraint('workshop_id', 'version', name=op.f('uq_theme_run_workshop_id_version'))
    )
    with op.batch_alter_table('theme_run', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_theme_run_workshop_id'), ['workshop_id'], unique=False)

    op.create_table('theme_member',
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('idea_id', sa.Integer(), nullable=False),
    sa.Column('theme_id', sa.Integer(), nullable=False),
    sa.Column('manual', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['idea_id'], ['idea.id'], name=op.f('fk_theme_member_idea_id_idea'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['run_id'], ['theme_run.id'], name=op.f('fk_theme_member_run_id_theme_run'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['theme_id'], ['theme.id'], name=op.f('fk_theme_member_theme_id_theme'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('run_id', 'idea_id', name=op.f('pk_theme_member'))
    )
    with op.batch_alter_table('theme_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_theme_member_theme_id'), ['theme_id'], unique=False)

    with op.batch_alter_table('idea', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_idea_theme_id'))
        batch_op.drop_constraint(batch_op.f('fk_idea_theme_id_theme'), type_='foreignkey')
        batch_op.drop_column('theme_id')

    with op.batch_alter_table('proposal', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source_theme_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_proposal_source_theme_id_theme'), 'theme', ['source_theme_id'], ['id'])

    op.execute("DELETE FROM theme")
    with op.batch_alter_table('theme', schema=None) as batch_op:
        batch_op.add_column(sa.Column('run_id', sa.Integer(), nullable=False))
        batch_op.add_column(sa.Column('position', sa.Integer(), nullable=False))
        batch_op.add_column(sa.Column('suggested_label', sa.String(length=200), nullable=False))
        batch_op.add_column(sa.Column('keywords', sa.JSON(), nullable=False))
        batch_op.add_column(sa.Column('representative_ids', sa.JSON(), nullable=False))
        batch_op.add_column(sa.Column('pinned', sa.Boolean(), nullable=False))
        batch_op.add_column(sa.Column('is_other', sa.Boolean(), nullable=False))
        batch_op.create_index(batch_op.f('ix_theme_run_id'), ['run_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_theme_run_id_theme_run'), 'theme_run', ['run_id'], ['id'], ondelete='CASCADE')



def downgrade() -> None:
    op.execute("UPDATE proposal SET source_theme_id = NULL")
    op.execute("DELETE FROM theme")
    with op.batch_alter_table('theme', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_theme_run_id_theme_run'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_theme_run_id'))
        batch_op.drop_column('is_other')
        batch_op.drop_column('pinned')
        batch_op.drop_column('representative_ids')
        batch_op.drop_column('keywords')
        batch_op.drop_column('suggested_label')
        batch_op.drop_column('position')
        batch_op.drop_column('run_id')

    with op.batch_alter_table('proposal', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_proposal_source_theme_id_theme'), type_='foreignkey')
        batch_op.drop_column('source_theme_id')

    with op.batch_alter_table('idea', schema=None) as batch_op:
        batch_op.add_column(sa.Column('theme_id', sa.INTEGER(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_idea_theme_id_theme'), 'theme', ['theme_id'], ['id'])
        batch_op.create_index(batch_op.f('ix_idea_theme_id'), ['theme_id'], unique=False)

    with op.batch_alter_table('theme_member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_theme_member_theme_id'))

    op.drop_table('theme_member')
    with op.batch_alter_table('theme_run', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_theme_run_workshop_id'))

    op.drop_table('theme_run')
    with op.batch_alter_table('city_word', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_city_word_city_id'))

    op.drop_table('city_word')
