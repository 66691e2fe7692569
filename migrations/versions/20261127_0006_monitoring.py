"""monitoring: agencies, indicators and values, progress reports with evidence, sheet uploads;
plan items gain agency, budget, fiscal years, status and dimension; the agency role

Existing plan items start as not started. Plan items may now exist without a proposal
(entered or imported by planners).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 19:15:49.036288
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

STATUSES = "status IN ('not_started', 'on_track', 'delayed', 'done', 'cancelled')"

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('agency',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['city_id'], ['city.id'], name=op.f('fk_agency_city_id_city')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agency')),
    sa.UniqueConstraint('city_id', 'name', name=op.f('uq_agency_city_id_name'))
    )
    with op.batch_alter_table('agency', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agency_city_id'), ['city_id'], unique=False)

    op.create_table('sheet_upload',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['city_id'], ['city.id'], name=op.f('fk_sheet_upload_city_id_city')),
    sa.ForeignKeyConstraint(['created_by_id'], ['staff_account.id'], name=op.f('fk_sheet_upload_created_by_id_staff_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sheet_upload'))
    )
    with op.batch_alter_table('sheet_upload', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sheet_upload_city_id'), ['city_id'], unique=False)

    op.create_table('indicator',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.Column('plan_item_id', sa.Integer(), nullable=True),
    sa.Column('library_key', sa.String(length=40), nullable=True),
    sa.Column('dimension', sa.String(length=40), nullable=False),
    sa.Column('name_th', sa.String(length=200), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=False),
    sa.Column('unit', sa.String(length=40), nullable=False),
    sa.Column('direction', sa.String(length=10), nullable=False),
    sa.Column('baseline_value', sa.Float(), nullable=True),
    sa.Column('baseline_date', sa.Date(), nullable=True),
    sa.Column('target_value', sa.Float(), nullable=True),
    sa.Column('target_date', sa.Date(), nullable=True),
    sa.Column('data_source', sa.String(length=200), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("direction IN ('higher', 'lower')", name=op.f('ck_indicator_direction')),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], name=op.f('fk_indicator_agency_id_agency')),
    sa.ForeignKeyConstraint(['city_id'], ['city.id'], name=op.f('fk_indicator_city_id_city')),
    sa.ForeignKeyConstraint(['plan_item_id'], ['plan_item.id'], name=op.f('fk_indicator_plan_item_id_plan_item')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_indicator'))
    )
    with op.batch_alter_table('indicator', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_indicator_city_id'), ['city_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_indicator_plan_item_id'), ['plan_item_id'], unique=False)

    op.create_table('progress_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_item_id', sa.Integer(), nullable=False),
    sa.Column('period_key', sa.String(length=10), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('percent', sa.Float(), nullable=True),
    sa.Column('budget_spent', sa.BigInteger(), nullable=True),
    sa.Column('narrative', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("state IN ('draft', 'submitted', 'published')", name=op.f('ck_progress_report_state')),
    sa.CheckConstraint("status IN ('not_started', 'on_track', 'delayed', 'done', 'cancelled')", name=op.f('ck_progress_report_status')),
    sa.CheckConstraint('budget_spent IS NULL OR budget_spent >= 0', name=op.f('ck_progress_report_budget_spent')),
    sa.CheckConstraint('percent IS NULL OR (percent >= 0 AND percent <= 100)', name=op.f('ck_progress_report_percent')),
    sa.ForeignKeyConstraint(['plan_item_id'], ['plan_item.id'], name=op.f('fk_progress_report_plan_item_id_plan_item')),
    sa.ForeignKeyConstraint(['published_by_id'], ['staff_account.id'], name=op.f('fk_progress_report_published_by_id_staff_account')),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['staff_account.id'], name=op.f('fk_progress_report_submitted_by_id_staff_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_progress_report')),
    sa.UniqueConstraint('plan_item_id', 'period_key', name=op.f('uq_progress_report_plan_item_id_period_key'))
    )
    with op.batch_alter_table('progress_report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_progress_report_plan_item_id'), ['plan_item_id'], unique=False)

    op.create_table('evidence_file',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=120), nullable=False),
    sa.Column('media_type', sa.String(length=40), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['report_id'], ['progress_report.id'], name=op.f('fk_evidence_file_report_id_progress_report'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence_file'))
    )
    with op.batch_alter_table('evidence_file', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evidence_file_report_id'), ['report_id'], unique=False)

    op.create_table('indicator_value',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('indicator_id', sa.Integer(), nullable=False),
    sa.Column('period_key', sa.String(length=10), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.Column('published', sa.Boolean(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['indicator_id'], ['indicator.id'], name=op.f('fk_indicator_value_indicator_id_indicator'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['staff_account.id'], name=op.f('fk_indicator_value_recorded_by_id_staff_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_indicator_value')),
    sa.UniqueConstraint('indicator_id', 'period_key', name=op.f('uq_indicator_value_indicator_id_period_key'))
    )
    with op.batch_alter_table('indicator_value', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_indicator_value_indicator_id'), ['indicator_id'], unique=False)

    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_demo', sa.Boolean(), nullable=False, server_default=sa.false()))

    with op.batch_alter_table('plan_item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('dimension', sa.String(length=40), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('agency_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('budget_planned', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('fiscal_year_start', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('fiscal_year_end', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('status', sa.String(length=12), nullable=False, server_default='not_started'))
        batch_op.alter_column('proposal_id',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.create_index(batch_op.f('ix_plan_item_agency_id'), ['agency_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_plan_item_agency_id_agency'), 'agency', ['agency_id'], ['id'])
        batch_op.create_check_constraint(op.f('ck_plan_item_status'), STATUSES)
    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.alter_column('is_demo', server_default=None)
    with op.batch_alter_table('plan_item', schema=None) as batch_op:
        batch_op.alter_column('dimension', server_default=None)
        batch_op.alter_column('status', server_default=None)

    with op.batch_alter_table('staff_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('agency_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_staff_account_agency_id_agency'), 'agency', ['agency_id'], ['id'])
        batch_op.drop_constraint(op.f('ck_staff_account_role'), type_='check')
        batch_op.create_check_constraint(op.f('ck_staff_account_role'), "role IN ('admin', 'planner', 'facilitator', 'agency')")



def downgrade() -> None:
    op.execute("DELETE FROM plan_item WHERE proposal_id IS NULL")
    op.execute("UPDATE staff_account SET is_active = false, role = 'planner' WHERE role = 'agency'")
    with op.batch_alter_table('staff_account', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_staff_account_role'), type_='check')
        batch_op.create_check_constraint(op.f('ck_staff_account_role'), "role IN ('admin', 'planner', 'facilitator')")
        batch_op.drop_constraint(batch_op.f('fk_staff_account_agency_id_agency'), type_='foreignkey')
        batch_op.drop_column('agency_id')

    with op.batch_alter_table('plan_item', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_plan_item_status'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_plan_item_agency_id_agency'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_plan_item_agency_id'))
        batch_op.alter_column('proposal_id',
               existing_type=sa.INTEGER(),
               nullable=False)
        batch_op.drop_column('status')
        batch_op.drop_column('fiscal_year_end')
        batch_op.drop_column('fiscal_year_start')
        batch_op.drop_column('budget_planned')
        batch_op.drop_column('agency_id')
        batch_op.drop_column('dimension')

    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.drop_column('is_demo')

    with op.batch_alter_table('indicator_value', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_indicator_value_indicator_id'))

    op.drop_table('indicator_value')
    with op.batch_alter_table('evidence_file', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evidence_file_report_id'))

    op.drop_table('evidence_file')
    with op.batch_alter_table('progress_report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_progress_report_plan_item_id'))

    op.drop_table('progress_report')
    with op.batch_alter_table('indicator', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_indicator_plan_item_id'))
        batch_op.drop_index(batch_op.f('ix_indicator_city_id'))

    op.drop_table('indicator')
    with op.batch_alter_table('sheet_upload', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sheet_upload_city_id'))

    op.drop_table('sheet_upload')
    with op.batch_alter_table('agency', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agency_city_id'))

    op.drop_table('agency')
