"""server-side sessions: a staff account's session version, a device's workshop memberships
and claimed codes (the cookie keeps only a random device id)

Phones that joined before this revision kept their participant token in the cookie, which is
no longer read: deploy between workshops, or such phones join again as new participants.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 05:56:49.336180
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('device_code',
    sa.Column('device_hash', sa.String(length=64), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('claim_token', sa.String(length=64), nullable=False),
    sa.Column('stakeholder_group', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['vote_round.id'], name=op.f('fk_device_code_round_id_vote_round'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('device_hash', 'round_id', name=op.f('pk_device_code'))
    )
    op.create_table('device_participant',
    sa.Column('device_hash', sa.String(length=64), nullable=False),
    sa.Column('workshop_id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], name=op.f('fk_device_participant_participant_id_participant'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workshop_id'], ['workshop.id'], name=op.f('fk_device_participant_workshop_id_workshop'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('device_hash', 'workshop_id', name=op.f('pk_device_participant')),
    sa.UniqueConstraint('participant_id', name=op.f('uq_device_participant_participant_id'))
    )
    with op.batch_alter_table('staff_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='0', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('staff_account', schema=None) as batch_op:
        batch_op.drop_column('session_version')

    op.drop_table('device_participant')
    op.drop_table('device_code')
