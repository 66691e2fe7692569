"""core schema

Revision ID: 0001
Revises:
Create Date: 2026-11-27 16:11:14.875263
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('city',
    sa.Column('slug', sa.String(length=40), nullable=False),
    sa.Column('name_th', sa.String(length=120), nullable=False),
    sa.Column('name_en', sa.String(length=120), nullable=False),
    sa.Column('province_th', sa.String(length=80), nullable=False),
    sa.Column('province_en', sa.String(length=80), nullable=False),
    sa.Column('municipality_type', sa.String(length=10), nullable=False),
    sa.Column('programme_phase', sa.Integer(), nullable=False),
    sa.Column('joined_year', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.CheckConstraint("municipality_type IN ('city', 'town')", name=op.f('ck_city_municipality_type')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_city')),
    sa.UniqueConstraint('slug', name=op.f('uq_city_slug'))
    )
    op.create_table('plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('draft', 'adopted')", name=op.f('ck_plan_status')),
    sa.ForeignKeyConstraint(['city_id'], ['city.id'], name=op.f('fk_plan_city_id_city')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan'))
    )
    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_city_id'), ['city_id'], unique=False)
        batch_op.create_index('uq_plan_city_draft', ['city_id'], unique=True, sqlite_where=sa.text("status = 'draft'"), postgresql_where=sa.text("status = 'draft'"))

    op.create_table('staff_account',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('display_name', sa.String(length=120), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=True),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("role IN ('admin', 'planner', 'facilitator')", name=op.f('ck_staff_account_role')),
    sa.ForeignKeyConstraint(['city_id'], ['city.id'], name=op.f('fk_staff_account_city_id_city')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_account')),
    sa.UniqueConstraint('email', name=op.f('uq_staff_account_email'))
    )
    op.create_table('workshop',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=True),
    sa.Column('join_code', sa.String(length=8), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('open', 'closed')", name=op.f('ck_workshop_status')),
    sa.ForeignKeyConstraint(['city_id'], ['city.id'], name=op.f('fk_workshop_city_id_city')),
    sa.ForeignKeyConstraint(['created_by_id'], ['staff_account.id'], name=op.f('fk_workshop_created_by_id_staff_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workshop')),
    sa.UniqueConstraint('join_code', name=op.f('uq_workshop_join_code'))
    )
    with op.batch_alter_table('workshop', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_workshop_city_id'), ['city_id'], unique=False)

    op.create_table('participant',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workshop_id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('stakeholder_group', sa.String(length=20), nullable=False),
    sa.Column('display_name', sa.String(length=80), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("stakeholder_group IN ('resident', 'public_agency', 'business', 'civil_society', 'academia')", name=op.f('ck_participant_stakeholder_group')),
    sa.ForeignKeyConstraint(['workshop_id'], ['workshop.id'], name=op.f('fk_participant_workshop_id_workshop')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_participant')),
    sa.UniqueConstraint('token', name=op.f('uq_participant_token'))
    )
    with op.batch_alter_table('participant', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_participant_workshop_id'), ['workshop_id'], unique=False)

    op.create_table('theme',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workshop_id', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['workshop_id'], ['workshop.id'], name=op.f('fk_theme_workshop_id_workshop')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_theme'))
    )
    with op.batch_alter_table('theme', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_theme_workshop_id'), ['workshop_id'], unique=False)

    op.create_table('vote_round',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workshop_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('open', 'closed')", name=op.f('ck_vote_round_status')),
    sa.ForeignKeyConstraint(['workshop_id'], ['workshop.id'], name=op.f('fk_vote_round_workshop_id_workshop')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vote_round'))
    )
    with op.batch_alter_table('vote_round', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_vote_round_workshop_id'), ['workshop_id'], unique=False)

    op.create_table('idea',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workshop_id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=True),
    sa.Column('entered_by_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('stakeholder_group', sa.String(length=20), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('theme_id', sa.Integer(), nullable=True),
    sa.Column('hidden', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("channel IN ('phone', 'paper')", name=op.f('ck_idea_channel')),
    sa.CheckConstraint("stakeholder_group IN ('resident', 'public_agency', 'business', 'civil_society', 'academia')", name=op.f('ck_idea_stakeholder_group')),
    sa.ForeignKeyConstraint(['entered_by_id'], ['staff_account.id'], name=op.f('fk_idea_entered_by_id_staff_account')),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], name=op.f('fk_idea_participant_id_participant')),
    sa.ForeignKeyConstraint(['theme_id'], ['theme.id'], name=op.f('fk_idea_theme_id_theme')),
    sa.ForeignKeyConstraint(['workshop_id'], ['workshop.id'], name=op.f('fk_idea_workshop_id_workshop')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_idea'))
    )
    with op.batch_alter_table('idea', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_idea_participant_id'), ['participant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_idea_theme_id'), ['theme_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_idea_workshop_id'), ['workshop_id'], unique=False)

    op.create_table('proposal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.Column('workshop_id', sa.Integer(), nullable=True),
    sa.Column('source_idea_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('category', sa.String(length=80), nullable=True),
    sa.Column('place', sa.String(length=200), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('open', 'agreed')", name=op.f('ck_proposal_status')),
    sa.ForeignKeyConstraint(['city_id'], ['city.id'], name=op.f('fk_proposal_city_id_city')),
    sa.ForeignKeyConstraint(['created_by_id'], ['staff_account.id'], name=op.f('fk_proposal_created_by_id_staff_account')),
    sa.ForeignKeyConstraint(['source_idea_id'], ['idea.id'], name=op.f('fk_proposal_source_idea_id_idea')),
    sa.ForeignKeyConstraint(['workshop_id'], ['workshop.id'], name=op.f('fk_proposal_workshop_id_workshop')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposal')),
    sa.UniqueConstraint('source_idea_id', name=op.f('uq_proposal_source_idea_id'))
    )
    with op.batch_alter_table('proposal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proposal_city_id'), ['city_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_proposal_workshop_id'), ['workshop_id'], unique=False)

    op.create_table('plan_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('vote_round_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.Column('votes', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['staff_account.id'], name=op.f('fk_plan_item_created_by_id_staff_account')),
    sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], name=op.f('fk_plan_item_plan_id_plan')),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], name=op.f('fk_plan_item_proposal_id_proposal')),
    sa.ForeignKeyConstraint(['vote_round_id'], ['vote_round.id'], name=op.f('fk_plan_item_vote_round_id_vote_round')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_item')),
    sa.UniqueConstraint('plan_id', 'proposal_id', name=op.f('uq_plan_item_plan_id_proposal_id'))
    )
    with op.batch_alter_table('plan_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_item_plan_id'), ['plan_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_plan_item_proposal_id'), ['proposal_id'], unique=False)

    op.create_table('vote',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('voter_key', sa.String(length=64), nullable=False),
    sa.Column('stakeholder_group', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("stakeholder_group IN ('resident', 'public_agency', 'business', 'civil_society', 'academia')", name=op.f('ck_vote_stakeholder_group')),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], name=op.f('fk_vote_proposal_id_proposal')),
    sa.ForeignKeyConstraint(['round_id'], ['vote_round.id'], name=op.f('fk_vote_round_id_vote_round')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vote')),
    sa.UniqueConstraint('round_id', 'proposal_id', 'voter_key', name=op.f('uq_vote_round_id_proposal_id_voter_key'))
    )
    with op.batch_alter_table('vote', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_vote_proposal_id'), ['proposal_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_vote_round_id'), ['round_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('vote', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_vote_round_id'))
        batch_op.drop_index(batch_op.f('ix_vote_proposal_id'))

    op.drop_table('vote')
    with op.batch_alter_table('plan_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_item_proposal_id'))
        batch_op.drop_index(batch_op.f('ix_plan_item_plan_id'))

    op.drop_table('plan_item')
    with op.batch_alter_table('proposal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_proposal_workshop_id'))
        batch_op.drop_index(batch_op.f('ix_proposal_city_id'))

    op.drop_table('proposal')
    with op.batch_alter_table('idea', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_idea_workshop_id'))
        batch_op.drop_index(batch_op.f('ix_idea_theme_id'))
        batch_op.drop_index(batch_op.f('ix_idea_participant_id'))

    op.drop_table('idea')
    with op.batch_alter_table('vote_round', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_vote_round_workshop_id'))

    op.drop_table('vote_round')
    with op.batch_alter_table('theme', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_theme_workshop_id'))

    op.drop_table('theme')
    with op.batch_alter_table('participant', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_participant_workshop_id'))

    op.drop_table('participant')
    with op.batch_alter_table('workshop', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_workshop_city_id'))

    op.drop_table('workshop')
    op.drop_table('staff_account')
    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.drop_index('uq_plan_city_draft', sqlite_where=sa.text("status = 'draft'"), postgresql_where=sa.text("status = 'draft'"))
        batch_op.drop_index(batch_op.f('ix_plan_city_id'))

    op.drop_table('plan')
    op.drop_table('city')
