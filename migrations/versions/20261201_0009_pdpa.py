"""PDPA: consent records (the participant's consent flag moves into them), erasure marker on
participants, a retention date on workshops

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 06:10:00
"""

import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # app.domain.join_codes, frozen here

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('consent_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=20), nullable=False),
    sa.Column('notice_version', sa.String(length=20), nullable=False),
    sa.Column('given_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("purpose IN ('demographics')", name=op.f('ck_consent_record_purpose')),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], name=op.f('fk_consent_record_participant_id_participant'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consent_record'))
    )
    with op.batch_alter_table('consent_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consent_record_participant_id'), ['participant_id'], unique=False)

    # Today's consent flag (a time and a notice version on the participant) becomes a record.
    op.execute(
        "INSERT INTO consent_record (participant_id, purpose, notice_version, given_at) "
        "SELECT id, 'demographics', COALESCE(consent_version, 'unknown'), consent_at "
        "FROM participant WHERE consent_at IS NOT NULL"
    )
    with op.batch_alter_table('participant', schema=None) as batch_op:
        batch_op.add_column(sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('reference', sa.String(length=12), nullable=True))
        batch_op.drop_column('consent_version')
        batch_op.drop_column('consent_at')
    # Every existing participant gets a random reference (see Participant.reference).
    connection = op.get_bind()
    ids = connection.execute(sa.text("SELECT id FROM participant")).scalars().all()
    references: set[str] = set()
    while len(references) < len(ids):
        references.add("".join(secrets.choice(ALPHABET) for _ in range(8)))
    if ids:
        connection.execute(
            sa.text("UPDATE participant SET reference = :reference WHERE id = :id"),
            [{"id": i, "reference": r} for i, r in zip(ids, sorted(references), strict=True)],
        )
    with op.batch_alter_table('participant', schema=None) as batch_op:
        batch_op.alter_column('reference', existing_type=sa.String(length=12), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_participant_reference'), ['reference'])

    with op.batch_alter_table('workshop', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retain_until', sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('workshop', schema=None) as batch_op:
        batch_op.drop_column('retain_until')

    with op.batch_alter_table('participant', schema=None) as batch_op:
        batch_op.add_column(sa.Column('consent_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('consent_version', sa.String(length=20), nullable=True))
        batch_op.drop_constraint(batch_op.f('uq_participant_reference'), type_='unique')
        batch_op.drop_column('reference')
        batch_op.drop_column('erased_at')
    op.execute(
        "UPDATE participant SET "
        "consent_at = (SELECT MAX(given_at) FROM consent_record c WHERE c.participant_id = "
        "participant.id AND c.withdrawn_at IS NULL), "
        "consent_version = (SELECT MAX(notice_version) FROM consent_record c WHERE "
        "c.participant_id = participant.id AND c.withdrawn_at IS NULL)"
    )

    with op.batch_alter_table('consent_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consent_record_participant_id'))
    op.drop_table('consent_record')
