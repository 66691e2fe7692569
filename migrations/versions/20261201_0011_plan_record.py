"""the plan record: versions (draft, consultation, adopted) with their moves, vision,
strategic issues and goals, items with description, place, funding source, goal, revision
(optimistic concurrency) and soft removal, the proposals behind each item with a rationale,
and every change to an item

Existing plans become version 1 in their state (an adopted plan's items are frozen into its
snapshot), their items' priorities are renumbered 1..N in their old order (ties by id), and
each item's proposal becomes its first source.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 05:59:00.293223
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('plan_issue',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('dimension', sa.String(length=40), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], name=op.f('fk_plan_issue_plan_id_plan'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_issue'))
    )
    with op.batch_alter_table('plan_issue', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_issue_plan_id'), ['plan_id'], unique=False)

    op.create_table('plan_goal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('issue_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['issue_id'], ['plan_issue.id'], name=op.f('fk_plan_goal_issue_id_plan_issue'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_goal'))
    )
    with op.batch_alter_table('plan_goal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_goal_issue_id'), ['issue_id'], unique=False)

    op.create_table('plan_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('snapshot', sa.JSON(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("state IN ('draft', 'consultation', 'adopted')", name=op.f('ck_plan_version_state')),
    sa.ForeignKeyConstraint(['created_by_id'], ['staff_account.id'], name=op.f('fk_plan_version_created_by_id_staff_account')),
    sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], name=op.f('fk_plan_version_plan_id_plan'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_version')),
    sa.UniqueConstraint('plan_id', 'number', name=op.f('uq_plan_version_plan_id_number'))
    )
    with op.batch_alter_table('plan_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_version_plan_id'), ['plan_id'], unique=False)

    op.create_table('plan_version_move',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('moved_by_id', sa.Integer(), nullable=True),
    sa.Column('moved_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("state IN ('draft', 'consultation', 'adopted')", name=op.f('ck_plan_version_move_state')),
    sa.ForeignKeyConstraint(['moved_by_id'], ['staff_account.id'], name=op.f('fk_plan_version_move_moved_by_id_staff_account')),
    sa.ForeignKeyConstraint(['version_id'], ['plan_version.id'], name=op.f('fk_plan_version_move_version_id_plan_version'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_version_move'))
    )
    with op.batch_alter_table('plan_version_move', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_version_move_version_id'), ['version_id'], unique=False)

    op.create_table('plan_item_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['staff_account.id'], name=op.f('fk_plan_item_change_actor_id_staff_account')),
    sa.ForeignKeyConstraint(['item_id'], ['plan_item.id'], name=op.f('fk_plan_item_change_item_id_plan_item'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_item_change'))
    )
    with op.batch_alter_table('plan_item_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_item_change_item_id'), ['item_id'], unique=False)

    op.create_table('plan_item_source',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('vote_round_id', sa.Integer(), nullable=True),
    sa.Column('rationale', sa.Text(), nullable=False),
    sa.Column('support', sa.Float(), nullable=True),
    sa.Column('rank', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['staff_account.id'], name=op.f('fk_plan_item_source_created_by_id_staff_account')),
    sa.ForeignKeyConstraint(['item_id'], ['plan_item.id'], name=op.f('fk_plan_item_source_item_id_plan_item'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], name=op.f('fk_plan_item_source_proposal_id_proposal')),
    sa.ForeignKeyConstraint(['vote_round_id'], ['vote_round.id'], name=op.f('fk_plan_item_source_vote_round_id_vote_round')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_item_source')),
    sa.UniqueConstraint('item_id', 'proposal_id', name=op.f('uq_plan_item_source_item_id_proposal_id'))
    )
    with op.batch_alter_table('plan_item_source', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_item_source_item_id'), ['item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_plan_item_source_proposal_id'), ['proposal_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_plan_item_source_vote_round_id'), ['vote_round_id'], unique=False)

    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.add_column(sa.Column('first_year', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('last_year', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('vision', sa.Text(), nullable=False, server_default=''))
        batch_op.alter_column('status',
               existing_type=sa.VARCHAR(length=10),
               type_=sa.String(length=12),
               existing_nullable=False)
        batch_op.drop_constraint(op.f('ck_plan_status'), type_='check')
        batch_op.create_check_constraint(
            op.f('ck_plan_status'), "status IN ('draft', 'consultation', 'adopted')"
        )

    with op.batch_alter_table('plan_item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('goal_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('description', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('place', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('funding_source', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('revision', sa.Integer(), nullable=False, server_default='1'))
        batch_op.add_column(sa.Column('removed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_plan_item_goal_id'), ['goal_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_plan_item_goal_id_plan_goal'), 'plan_goal', ['goal_id'], ['id'])

    _existing_plans()

    # The defaults only filled the existing rows; the application always writes these.
    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.alter_column('vision', existing_type=sa.Text(), server_default=None)
    with op.batch_alter_table('plan_item', schema=None) as batch_op:
        batch_op.alter_column('description', existing_type=sa.Text(), server_default=None)
        batch_op.alter_column('revision', existing_type=sa.Integer(), server_default=None)


ITEM_FIELDS = (
    'title', 'description', 'place', 'budget_planned', 'funding_source', 'fiscal_year_start',
    'fiscal_year_end', 'dimension',
)


def _existing_plans() -> None:
    """Version 1 for every plan, priorities 1..N, each item's proposal as its first source.

    An adopted plan's snapshot has the shape app.services.plans.snapshot wrote at this
    revision (items by id with their fields; no issues or goals existed yet)."""
    bind = op.get_bind()
    meta = sa.MetaData()
    plan = sa.Table('plan', meta, autoload_with=bind)
    item = sa.Table('plan_item', meta, autoload_with=bind)
    agency = sa.Table('agency', meta, autoload_with=bind)
    version = sa.Table('plan_version', meta, autoload_with=bind)
    move = sa.Table('plan_version_move', meta, autoload_with=bind)
    source = sa.Table('plan_item_source', meta, autoload_with=bind)
    agencies = dict(bind.execute(sa.select(agency.c.id, agency.c.name)).all())
    for p in bind.execute(sa.select(plan).order_by(plan.c.id)).mappings().all():
        rows = bind.execute(
            sa.select(item).where(item.c.plan_id == p['id']).order_by(item.c.priority, item.c.id)
        ).mappings().all()
        items = []
        for position, row in enumerate(rows, start=1):
            if row['priority'] != position:
                bind.execute(
                    item.update().where(item.c.id == row['id']).values(priority=position)
                )
            if row['proposal_id'] is not None:
                bind.execute(source.insert().values(
                    item_id=row['id'], proposal_id=row['proposal_id'],
                    vote_round_id=row['vote_round_id'], rationale='',
                    support=row['votes'] if row['vote_round_id'] else None,
                    created_by_id=row['created_by_id'], created_at=row['created_at'],
                ))
            fields = {name: row[name] for name in ITEM_FIELDS}
            fields['agency'] = agencies.get(row['agency_id']) if row['agency_id'] else None
            fields['goal'] = None
            fields['priority'] = position
            items.append({'id': row['id'], **fields, 'proposals': (
                [row['proposal_id']] if row['proposal_id'] is not None else []
            )})
        adopted = p['status'] == 'adopted'
        snapshot = {'vision': '', 'issues': [], 'items': items} if adopted else None
        values = {'plan_id': p['id'], 'number': 1, 'state': p['status'], 'created_at': p['created_at']}
        if snapshot is not None:  # a draft's stays SQL NULL, not JSON null
            values['snapshot'] = snapshot
        version_id = bind.execute(
            version.insert().values(**values).returning(version.c.id)
        ).scalar_one()
        bind.execute(move.insert().values(
            version_id=version_id, state=p['status'], note='', moved_at=p['created_at'],
        ))



def downgrade() -> None:
    with op.batch_alter_table('plan_item', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_plan_item_goal_id_plan_goal'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_plan_item_goal_id'))
        batch_op.drop_column('removed_at')
        batch_op.drop_column('revision')
        batch_op.drop_column('funding_source')
        batch_op.drop_column('place')
        batch_op.drop_column('description')
        batch_op.drop_column('goal_id')

    op.execute("UPDATE plan SET status = 'adopted' WHERE status = 'consultation'")
    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_plan_status'), type_='check')
        batch_op.create_check_constraint(op.f('ck_plan_status'), "status IN ('draft', 'adopted')")
        batch_op.alter_column('status',
               existing_type=sa.String(length=12),
               type_=sa.VARCHAR(length=10),
               existing_nullable=False)
        batch_op.drop_column('vision')
        batch_op.drop_column('last_year')
        batch_op.drop_column('first_year')

    with op.batch_alter_table('plan_item_source', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_item_source_vote_round_id'))
        batch_op.drop_index(batch_op.f('ix_plan_item_source_proposal_id'))
        batch_op.drop_index(batch_op.f('ix_plan_item_source_item_id'))

    op.drop_table('plan_item_source')
    with op.batch_alter_table('plan_item_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_item_change_item_id'))

    op.drop_table('plan_item_change')
    with op.batch_alter_table('plan_version_move', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_version_move_version_id'))

    op.drop_table('plan_version_move')
    with op.batch_alter_table('plan_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_version_plan_id'))

    op.drop_table('plan_version')
    with op.batch_alter_table('plan_goal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_goal_issue_id'))

    op.drop_table('plan_goal')
    with op.batch_alter_table('plan_issue', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_issue_plan_id'))

    op.drop_table('plan_issue')
