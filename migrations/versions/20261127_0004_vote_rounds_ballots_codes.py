"""vote rounds: methods, ballots on a chosen ballot, one-time codes, frozen results

The skeleton's per-proposal votes become approval ballots (one per voter key), so no
vote is lost. Downgrading turns ballots back into per-proposal votes (any positive mark).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 18:29:12.626515
"""

import json
import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

ALL_GROUPS = '["resident", "public_agency", "business", "civil_society", "academia"]'
METHODS = "method IN ('dot', 'approval', 'ranked', 'budget', 'single')"

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('vote_round', schema=None) as batch_op:
        batch_op.add_column(sa.Column('city_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('question', sa.String(length=300), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('method', sa.String(length=10), nullable=False, server_default='approval'))
        batch_op.add_column(sa.Column('dots_per_voter', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('max_dots_per_proposal', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('max_approvals', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('max_ranks', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('budget', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('eligible_groups', sa.JSON(), nullable=False, server_default=ALL_GROUPS))
        batch_op.add_column(sa.Column('results_visible', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('opens_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('closes_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('ballot_count', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('digest', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('result', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('created_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('created_at', sa.DateTime(timezone=True), nullable=True))


    op.create_table('ballot',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('voter_key', sa.String(length=64), nullable=False),
    sa.Column('stakeholder_group', sa.String(length=20), nullable=False),
    sa.Column('marks', sa.JSON(), nullable=False),
    sa.Column('receipt_hash', sa.String(length=64), nullable=False),
    sa.CheckConstraint("stakeholder_group IN ('resident', 'public_agency', 'business', 'civil_society', 'academia')", name=op.f('ck_ballot_stakeholder_group')),
    sa.ForeignKeyConstraint(['round_id'], ['vote_round.id'], name=op.f('fk_ballot_round_id_vote_round'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ballot')),
    sa.UniqueConstraint('round_id', 'voter_key', name=op.f('uq_ballot_round_id_voter_key'))
    )
    with op.batch_alter_table('ballot', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ballot_receipt_hash'), ['receipt_hash'], unique=False)
        batch_op.create_index(batch_op.f('ix_ballot_round_id'), ['round_id'], unique=False)

    op.create_table('round_voter',
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], name=op.f('fk_round_voter_participant_id_participant'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['vote_round.id'], name=op.f('fk_round_voter_round_id_vote_round'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('round_id', 'participant_id', name=op.f('pk_round_voter')),
    sqlite_with_rowid=False
    )
    op.create_table('voting_code',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('claim_hash', sa.String(length=64), nullable=True),
    sa.Column('stakeholder_group', sa.String(length=20), nullable=True),
    sa.Column('verified_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['round_id'], ['vote_round.id'], name=op.f('fk_voting_code_round_id_vote_round'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['verified_by_id'], ['staff_account.id'], name=op.f('fk_voting_code_verified_by_id_staff_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_voting_code')),
    sa.UniqueConstraint('round_id', 'code_hash', name=op.f('uq_voting_code_round_id_code_hash'))
    )
    with op.batch_alter_table('voting_code', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_voting_code_round_id'), ['round_id'], unique=False)

    op.create_table('round_proposal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('cost', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], name=op.f('fk_round_proposal_proposal_id_proposal')),
    sa.ForeignKeyConstraint(['round_id'], ['vote_round.id'], name=op.f('fk_round_proposal_round_id_vote_round'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_round_proposal')),
    sa.UniqueConstraint('round_id', 'proposal_id', name=op.f('uq_round_proposal_round_id_proposal_id'))
    )
    with op.batch_alter_table('round_proposal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_round_proposal_proposal_id'), ['proposal_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_round_proposal_round_id'), ['round_id'], unique=False)

    _backfill()

    with op.batch_alter_table('vote', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_vote_proposal_id'))
        batch_op.drop_index(batch_op.f('ix_vote_round_id'))
    op.drop_table('vote')

    with op.batch_alter_table('vote_round', schema=None) as batch_op:
        for name in ('question', 'method', 'eligible_groups', 'results_visible', 'ballot_count'):
            batch_op.alter_column(name, server_default=None)
        batch_op.alter_column('city_id', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('created_at', existing_type=sa.DateTime(timezone=True), nullable=False)
        batch_op.alter_column('workshop_id', existing_type=sa.INTEGER(), nullable=True)
        batch_op.alter_column('opened_at', existing_type=sa.DateTime(timezone=True), nullable=True)
        batch_op.drop_constraint(op.f('ck_vote_round_status'), type_='check')
        batch_op.create_check_constraint(op.f('ck_vote_round_status'), "status IN ('draft', 'open', 'closed')")
        batch_op.create_check_constraint(op.f('ck_vote_round_method'), METHODS)
        batch_op.create_index(batch_op.f('ix_vote_round_city_id'), ['city_id'], unique=False)
        batch_op.create_index('uq_vote_round_workshop_open', ['workshop_id'], unique=True, sqlite_where=sa.text("status = 'open' AND workshop_id IS NOT NULL"), postgresql_where=sa.text("status = 'open' AND workshop_id IS NOT NULL"))
        batch_op.create_foreign_key(batch_op.f('fk_vote_round_created_by_id_staff_account'), 'staff_account', ['created_by_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_vote_round_city_id_city'), 'city', ['city_id'], ['id'])


def _backfill() -> None:
    """Old rounds: city from the workshop, every workshop proposal on the ballot, votes as approvals."""
    bind = op.get_bind()
    bind.execute(sa.text(
        "UPDATE vote_round SET city_id = (SELECT city_id FROM workshop WHERE workshop.id = vote_round.workshop_id), "
        "created_at = opened_at"
    ))
    rounds = bind.execute(sa.text("SELECT id, workshop_id FROM vote_round")).all()
    for round_id, workshop_id in rounds:
        proposal_ids = bind.execute(
            sa.text("SELECT id FROM proposal WHERE workshop_id = :w ORDER BY id"), {"w": workshop_id}
        ).scalars().all()
        for position, proposal_id in enumerate(proposal_ids, start=1):
            bind.execute(
                sa.text("INSERT INTO round_proposal (round_id, proposal_id, position) VALUES (:r, :p, :n)"),
                {"r": round_id, "p": proposal_id, "n": position},
            )
        ballots: dict[str, tuple[str, dict[str, int]]] = {}
        votes = bind.execute(
            sa.text("SELECT voter_key, stakeholder_group, proposal_id FROM vote WHERE round_id = :r ORDER BY id"),
            {"r": round_id},
        ).all()
        for voter_key, group, proposal_id in votes:
            ballots.setdefault(voter_key, (group, {}))[1][str(proposal_id)] = 1
        for voter_key, (group, marks) in ballots.items():
            bind.execute(
                sa.text(
                    "INSERT INTO ballot (id, round_id, voter_key, stakeholder_group, marks, receipt_hash) "
                    "VALUES (:id, :r, :k, :g, :m, :h)"
                ),
                # No receipt was ever handed out for these: a random hash matches no code.
                {"id": secrets.token_hex(16), "r": round_id, "k": voter_key, "g": group,
                 "m": json.dumps(marks), "h": secrets.token_hex(32)},
            )


def downgrade() -> None:
    bind = op.get_bind()
    bind.execute(sa.text("DELETE FROM vote_round WHERE workshop_id IS NULL"))
    bind.execute(sa.text("UPDATE vote_round SET status = 'closed' WHERE status = 'draft'"))
    bind.execute(sa.text("UPDATE vote_round SET opened_at = created_at WHERE opened_at IS NULL"))
    with op.batch_alter_table('vote_round', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_vote_round_city_id_city'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_vote_round_created_by_id_staff_account'), type_='foreignkey')
        batch_op.drop_index('uq_vote_round_workshop_open', sqlite_where=sa.text("status = 'open' AND workshop_id IS NOT NULL"), postgresql_where=sa.text("status = 'open' AND workshop_id IS NOT NULL"))
        batch_op.drop_index(batch_op.f('ix_vote_round_city_id'))
        batch_op.drop_constraint(op.f('ck_vote_round_method'), type_='check')
        batch_op.drop_constraint(op.f('ck_vote_round_status'), type_='check')
        batch_op.create_check_constraint(op.f('ck_vote_round_status'), "status IN ('open', 'closed')")
        batch_op.drop_column('created_at')
        batch_op.drop_column('created_by_id')
        batch_op.drop_column('result')
        batch_op.drop_column('digest')
        batch_op.drop_column('ballot_count')
        batch_op.drop_column('closes_at')
        batch_op.drop_column('opens_at')
        batch_op.drop_column('results_visible')
        batch_op.drop_column('eligible_groups')
        batch_op.drop_column('budget')
        batch_op.drop_column('max_ranks')
        batch_op.drop_column('max_approvals')
        batch_op.drop_column('max_dots_per_proposal')
        batch_op.drop_column('dots_per_voter')
        batch_op.drop_column('method')
        batch_op.drop_column('question')
        batch_op.drop_column('city_id')

    op.create_table('vote',
    sa.Column('id', sa.INTEGER(), nullable=False),
    sa.Column('round_id', sa.INTEGER(), nullable=False),
    sa.Column('proposal_id', sa.INTEGER(), nullable=False),
    sa.Column('voter_key', sa.VARCHAR(length=64), nullable=False),
    sa.Column('stakeholder_group', sa.VARCHAR(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("stakeholder_group IN ('resident', 'public_agency', 'business', 'civil_society', 'academia')", name=op.f('ck_vote_stakeholder_group')),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], name=op.f('fk_vote_proposal_id_proposal')),
    sa.ForeignKeyConstraint(['round_id'], ['vote_round.id'], name=op.f('fk_vote_round_id_vote_round')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vote')),
    sa.UniqueConstraint('round_id', 'proposal_id', 'voter_key', name=op.f('uq_vote_round_id_proposal_id_voter_key'))
    )
    with op.batch_alter_table('vote', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_vote_round_id'), ['round_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_vote_proposal_id'), ['proposal_id'], unique=False)

    ballots = bind.execute(sa.text(
        "SELECT b.round_id, b.voter_key, b.stakeholder_group, b.marks, r.opened_at "
        "FROM ballot b JOIN vote_round r ON r.id = b.round_id"
    )).all()
    for round_id, voter_key, group, marks, created_at in ballots:
        marks = json.loads(marks) if isinstance(marks, str) else marks
        for proposal_id, value in marks.items():
            if value > 0:
                bind.execute(
                    sa.text(
                        "INSERT INTO vote (round_id, proposal_id, voter_key, stakeholder_group, created_at) "
                        "VALUES (:r, :p, :k, :g, :c)"
                    ),
                    {"r": round_id, "p": int(proposal_id), "k": voter_key, "g": group, "c": created_at},
                )
    with op.batch_alter_table('vote_round', schema=None) as batch_op:
        batch_op.alter_column('opened_at', existing_type=sa.DateTime(timezone=True), nullable=False)
        batch_op.alter_column('workshop_id', existing_type=sa.INTEGER(), nullable=False)

    with op.batch_alter_table('round_proposal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_round_proposal_round_id'))
        batch_op.drop_index(batch_op.f('ix_round_proposal_proposal_id'))

    op.drop_table('round_proposal')
    with op.batch_alter_table('voting_code', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_voting_code_round_id'))

    op.drop_table('voting_code')
    op.drop_table('round_voter')
    with op.batch_alter_table('ballot', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ballot_round_id'))
        batch_op.drop_index(batch_op.f('ix_ballot_receipt_hash'))

    op.drop_table('ballot')
