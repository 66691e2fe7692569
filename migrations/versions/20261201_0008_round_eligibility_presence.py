"""eligibility of vote rounds (open, hall, codes), presence in a round, wrong presence codes

Existing workshop rounds become "open" (that is what they were: any joined phone voted,
unverified); city-board rounds become "codes" (they always used one-time codes).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 03:21:18.596948
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('vote_round', schema=None) as batch_op:
        batch_op.add_column(sa.Column('eligibility', sa.String(length=10), nullable=True))
    op.execute(
        "UPDATE vote_round SET eligibility = "
        "CASE WHEN workshop_id IS NULL THEN 'codes' ELSE 'open' END"
    )
    with op.batch_alter_table('vote_round', schema=None) as batch_op:
        batch_op.alter_column('eligibility', existing_type=sa.String(length=10), nullable=False)
        batch_op.create_check_constraint(
            op.f('ck_vote_round_eligibility'), "eligibility IN ('open', 'hall', 'codes')"
        )

    op.create_table('round_presence',
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], name=op.f('fk_round_presence_participant_id_participant'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['vote_round.id'], name=op.f('fk_round_presence_round_id_vote_round'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('round_id', 'participant_id', name=op.f('pk_round_presence')),
    sqlite_with_rowid=False
    )
    op.create_table('presence_miss',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], name=op.f('fk_presence_miss_participant_id_participant'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['vote_round.id'], name=op.f('fk_presence_miss_round_id_vote_round'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_presence_miss'))
    )
    with op.batch_alter_table('presence_miss', schema=None) as batch_op:
        batch_op.create_index('ix_presence_miss_round_participant', ['round_id', 'participant_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('presence_miss', schema=None) as batch_op:
        batch_op.drop_index('ix_presence_miss_round_participant')
    op.drop_table('presence_miss')
    op.drop_table('round_presence')
    with op.batch_alter_table('vote_round', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_vote_round_eligibility'), type_='check')
        batch_op.drop_column('eligibility')
