"""live workshops: agenda phases, co-facilitators, change feed, reactions, moderation

Existing workshops get the default agenda (ideation current) and their creator as facilitator.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 16:34:53.742638
"""

from collections.abc import Sequence
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

ALL_GROUPS = '["resident", "public_agency", "business", "civil_society", "academia"]'
DEFAULT_PHASES = ("ideation", "themes", "voting", "wrap_up")

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('workshop_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workshop_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['workshop_id'], ['workshop.id'], name=op.f('fk_workshop_event_workshop_id_workshop'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workshop_event')),
    sa.UniqueConstraint('workshop_id', 'seq', name=op.f('uq_workshop_event_workshop_id_seq'))
    )
    op.create_table('workshop_facilitator',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workshop_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['staff_account.id'], name=op.f('fk_workshop_facilitator_account_id_staff_account')),
    sa.ForeignKeyConstraint(['workshop_id'], ['workshop.id'], name=op.f('fk_workshop_facilitator_workshop_id_workshop'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workshop_facilitator')),
    sa.UniqueConstraint('workshop_id', 'account_id', name=op.f('uq_workshop_facilitator_workshop_id_account_id'))
    )
    with op.batch_alter_table('workshop_facilitator', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_workshop_facilitator_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_workshop_facilitator_workshop_id'), ['workshop_id'], unique=False)

    op.create_table('workshop_phase',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workshop_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('instructions', sa.Text(), nullable=False),
    sa.Column('time_box_minutes', sa.Integer(), nullable=True),
    sa.CheckConstraint("kind IN ('ideation', 'themes', 'voting', 'wrap_up', 'custom')", name=op.f('ck_workshop_phase_kind')),
    sa.ForeignKeyConstraint(['workshop_id'], ['workshop.id'], name=op.f('fk_workshop_phase_workshop_id_workshop'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workshop_phase'))
    )
    with op.batch_alter_table('workshop_phase', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_workshop_phase_workshop_id'), ['workshop_id'], unique=False)

    op.create_table('idea_reaction',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('idea_id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['idea_id'], ['idea.id'], name=op.f('fk_idea_reaction_idea_id_idea')),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], name=op.f('fk_idea_reaction_participant_id_participant')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_idea_reaction')),
    sa.UniqueConstraint('idea_id', 'participant_id', name=op.f('uq_idea_reaction_idea_id_participant_id'))
    )
    with op.batch_alter_table('idea_reaction', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_idea_reaction_idea_id'), ['idea_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_idea_reaction_participant_id'), ['participant_id'], unique=False)

    with op.batch_alter_table('idea', schema=None) as batch_op:
        batch_op.add_column(sa.Column('parent_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('table_number', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('client_key', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('hidden_reason', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('hidden_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('duplicate_of_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('original_text', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('edited_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_idea_parent_id'), ['parent_id'], unique=False)
        batch_op.create_unique_constraint(batch_op.f('uq_idea_participant_id_client_key'), ['participant_id', 'client_key'])
        batch_op.create_foreign_key(batch_op.f('fk_idea_hidden_by_id_staff_account'), 'staff_account', ['hidden_by_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_idea_duplicate_of_id_idea'), 'idea', ['duplicate_of_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_idea_parent_id_idea'), 'idea', ['parent_id'], ['id'])

    with op.batch_alter_table('participant', schema=None) as batch_op:
        batch_op.add_column(sa.Column('age_band', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('community', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('consent_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('consent_version', sa.String(length=20), nullable=True))

    with op.batch_alter_table('workshop', schema=None) as batch_op:
        batch_op.add_column(sa.Column('venue', sa.String(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('language', sa.String(length=5), nullable=False, server_default='th'))
        batch_op.add_column(sa.Column('invited_groups', sa.JSON(), nullable=False, server_default=ALL_GROUPS))
        batch_op.add_column(sa.Column('posting_locked', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('current_phase_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('timer_ends_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('timer_remaining_seconds', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('event_seq', sa.Integer(), server_default='0', nullable=False))
        batch_op.create_foreign_key(batch_op.f('fk_workshop_current_phase_id_workshop_phase'), 'workshop_phase', ['current_phase_id'], ['id'], ondelete='SET NULL', use_alter=True)

    _backfill()

    # The defaults above only served existing rows; the application always sets these.
    with op.batch_alter_table('workshop', schema=None) as batch_op:
        for column in ('venue', 'language', 'invited_groups', 'posting_locked'):
            batch_op.alter_column(column, server_default=None)


def _backfill() -> None:
    connection = op.get_bind()
    workshop = sa.table('workshop', sa.column('id', sa.Integer), sa.column('created_by_id', sa.Integer),
                        sa.column('current_phase_id', sa.Integer))
    phase = sa.table('workshop_phase', sa.column('id', sa.Integer), sa.column('workshop_id', sa.Integer),
                     sa.column('position', sa.Integer), sa.column('kind', sa.String),
                     sa.column('title', sa.String), sa.column('instructions', sa.Text))
    facilitator = sa.table('workshop_facilitator', sa.column('workshop_id', sa.Integer),
                           sa.column('account_id', sa.Integer), sa.column('created_at', sa.DateTime(timezone=True)))
    now = datetime.now(timezone.utc)
    for workshop_id, created_by_id in connection.execute(sa.select(workshop.c.id, workshop.c.created_by_id)).all():
        for position, kind in enumerate(DEFAULT_PHASES):
            connection.execute(phase.insert().values(workshop_id=workshop_id, position=position, kind=kind,
                                                     title='', instructions=''))
        first = connection.execute(
            sa.select(sa.func.min(phase.c.id)).where(phase.c.workshop_id == workshop_id)
        ).scalar()
        connection.execute(workshop.update().where(workshop.c.id == workshop_id).values(current_phase_id=first))
        if created_by_id is not None:
            connection.execute(facilitator.insert().values(workshop_id=workshop_id, account_id=created_by_id,
                                                           created_at=now))



def downgrade() -> None:
    with op.batch_alter_table('workshop', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_workshop_current_phase_id_workshop_phase'), type_='foreignkey')
        batch_op.drop_column('event_seq')
        batch_op.drop_column('timer_remaining_seconds')
        batch_op.drop_column('timer_ends_at')
        batch_op.drop_column('current_phase_id')
        batch_op.drop_column('posting_locked')
        batch_op.drop_column('invited_groups')
        batch_op.drop_column('language')
        batch_op.drop_column('venue')

    with op.batch_alter_table('participant', schema=None) as batch_op:
        batch_op.drop_column('consent_version')
        batch_op.drop_column('consent_at')
        batch_op.drop_column('community')
        batch_op.drop_column('age_band')

    with op.batch_alter_table('idea', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_idea_parent_id_idea'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_idea_duplicate_of_id_idea'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_idea_hidden_by_id_staff_account'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_idea_participant_id_client_key'), type_='unique')
        batch_op.drop_index(batch_op.f('ix_idea_parent_id'))
        batch_op.drop_column('edited_at')
        batch_op.drop_column('original_text')
        batch_op.drop_column('duplicate_of_id')
        batch_op.drop_column('hidden_by_id')
        batch_op.drop_column('hidden_reason')
        batch_op.drop_column('client_key')
        batch_op.drop_column('table_number')
        batch_op.drop_column('parent_id')

    with op.batch_alter_table('idea_reaction', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_idea_reaction_participant_id'))
        batch_op.drop_index(batch_op.f('ix_idea_reaction_idea_id'))

    op.drop_table('idea_reaction')
    with op.batch_alter_table('workshop_phase', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_workshop_phase_workshop_id'))

    op.drop_table('workshop_phase')
    with op.batch_alter_table('workshop_facilitator', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_workshop_facilitator_workshop_id'))
        batch_op.drop_index(batch_op.f('ix_workshop_facilitator_account_id'))

    op.drop_table('workshop_facilitator')
    op.drop_table('workshop_event')
