"""an erasure log: one row per erasure (self-service, staff, retention purge) with no
personal data

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 10:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('erasure_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('erased_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('erased_by', sa.String(length=20), nullable=False),
    sa.Column('staff_account_id', sa.Integer(), nullable=True),
    sa.Column('workshop_id', sa.Integer(), nullable=True),
    sa.Column('city_id', sa.Integer(), nullable=True),
    sa.Column('participant_reference', sa.String(length=12), nullable=False),
    sa.Column('fields_cleared', sa.Integer(), nullable=False),
    sa.Column('rows_unlinked', sa.Integer(), nullable=False),
    sa.Column('rows_deleted', sa.Integer(), nullable=False),
    sa.Column('consents_withdrawn', sa.Integer(), nullable=False),
    sa.CheckConstraint("erased_by IN ('participant', 'staff', 'retention')", name=op.f('ck_erasure_record_erased_by')),
    sa.CheckConstraint('(workshop_id IS NULL) <> (city_id IS NULL)', name=op.f('ck_erasure_record_one_place')),
    sa.ForeignKeyConstraint(['city_id'], ['city.id'], name=op.f('fk_erasure_record_city_id_city')),
    sa.ForeignKeyConstraint(['staff_account_id'], ['staff_account.id'], name=op.f('fk_erasure_record_staff_account_id_staff_account')),
    sa.ForeignKeyConstraint(['workshop_id'], ['workshop.id'], name=op.f('fk_erasure_record_workshop_id_workshop')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_erasure_record'))
    )
    with op.batch_alter_table('erasure_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_erasure_record_city_id'), ['city_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_erasure_record_workshop_id'), ['workshop_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('erasure_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_erasure_record_workshop_id'))
        batch_op.drop_index(batch_op.f('ix_erasure_record_city_id'))
    op.drop_table('erasure_record')
