"""proposal board: categories, history, supports, comments and flags, photos, city-board
participants, and the full-text index of proposals and comments

A participant now belongs to a workshop or (online) to a city's board. Each city gets the six
development dimensions as proposal categories. The search index `board_search` is an FTS5
virtual table on SQLite and a table with a tsvector column and a GIN index on PostgreSQL; it is
not a model (the models cannot describe either), so tests/test_migrations.py leaves it out of
the comparison. Downgrading drops city-board participants and their work, and turns the new
statuses back into "open".

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 05:56:33.199170
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

DIMENSIONS = ("environment", "disaster", "mobility", "economy", "society", "governance")
GROUPS = "'resident', 'public_agency', 'business', 'civil_society', 'academia'"
OLD_STATUSES = "status IN ('open', 'agreed')"
NEW_STATUSES = (
    "status IN ('open', 'shortlisted', 'selected', 'not_selected', 'merged', 'withdrawn', "
    "'agreed')"
)

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('proposal_category',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['city_id'], ['city.id'], name=op.f('fk_proposal_category_city_id_city')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposal_category')),
    sa.UniqueConstraint('city_id', 'code', name=op.f('uq_proposal_category_city_id_code'))
    )
    with op.batch_alter_table('proposal_category', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proposal_category_city_id'), ['city_id'], unique=False)

    op.create_table('proposal_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('staff_account_id', sa.Integer(), nullable=True),
    sa.Column('author_participant_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.Column('reason', sa.String(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_participant_id'], ['participant.id'], name=op.f('fk_proposal_change_author_participant_id_participant')),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], name=op.f('fk_proposal_change_proposal_id_proposal'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['staff_account_id'], ['staff_account.id'], name=op.f('fk_proposal_change_staff_account_id_staff_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposal_change'))
    )
    with op.batch_alter_table('proposal_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proposal_change_proposal_id'), ['proposal_id'], unique=False)

    op.create_table('proposal_comment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('author_participant_id', sa.Integer(), nullable=True),
    sa.Column('author_staff_id', sa.Integer(), nullable=True),
    sa.Column('stakeholder_group', sa.String(length=20), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('hidden', sa.Boolean(), nullable=False),
    sa.Column('hidden_reason', sa.String(length=200), nullable=True),
    sa.Column('hidden_by_id', sa.Integer(), nullable=True),
    sa.Column('held_for_review', sa.Boolean(), nullable=False),
    sa.Column('flag_count', sa.Integer(), nullable=False),
    sa.Column('edited_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("stakeholder_group IN ('resident', 'public_agency', 'business', 'civil_society', 'academia')", name=op.f('ck_proposal_comment_stakeholder_group')),
    sa.ForeignKeyConstraint(['author_participant_id'], ['participant.id'], name=op.f('fk_proposal_comment_author_participant_id_participant')),
    sa.ForeignKeyConstraint(['author_staff_id'], ['staff_account.id'], name=op.f('fk_proposal_comment_author_staff_id_staff_account')),
    sa.ForeignKeyConstraint(['hidden_by_id'], ['staff_account.id'], name=op.f('fk_proposal_comment_hidden_by_id_staff_account')),
    sa.ForeignKeyConstraint(['parent_id'], ['proposal_comment.id'], name=op.f('fk_proposal_comment_parent_id_proposal_comment')),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], name=op.f('fk_proposal_comment_proposal_id_proposal')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposal_comment'))
    )
    with op.batch_alter_table('proposal_comment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proposal_comment_author_participant_id'), ['author_participant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_proposal_comment_parent_id'), ['parent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_proposal_comment_proposal_id'), ['proposal_id'], unique=False)

    op.create_table('proposal_idea',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('idea_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['idea_id'], ['idea.id'], name=op.f('fk_proposal_idea_idea_id_idea')),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], name=op.f('fk_proposal_idea_proposal_id_proposal'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposal_idea')),
    sa.UniqueConstraint('idea_id', name=op.f('uq_proposal_idea_idea_id'))
    )
    with op.batch_alter_table('proposal_idea', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proposal_idea_proposal_id'), ['proposal_id'], unique=False)

    op.create_table('proposal_image',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('media_type', sa.String(length=40), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('thumbnail', sa.LargeBinary(), nullable=False),
    sa.Column('author_participant_id', sa.Integer(), nullable=True),
    sa.Column('staff_account_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_participant_id'], ['participant.id'], name=op.f('fk_proposal_image_author_participant_id_participant')),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], name=op.f('fk_proposal_image_proposal_id_proposal'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['staff_account_id'], ['staff_account.id'], name=op.f('fk_proposal_image_staff_account_id_staff_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposal_image'))
    )
    with op.batch_alter_table('proposal_image', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proposal_image_proposal_id'), ['proposal_id'], unique=False)

    op.create_table('proposal_support',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('stakeholder_group', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("stakeholder_group IN ('resident', 'public_agency', 'business', 'civil_society', 'academia')", name=op.f('ck_proposal_support_stakeholder_group')),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], name=op.f('fk_proposal_support_participant_id_participant')),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], name=op.f('fk_proposal_support_proposal_id_proposal')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposal_support')),
    sa.UniqueConstraint('proposal_id', 'participant_id', name=op.f('uq_proposal_support_proposal_id_participant_id'))
    )
    with op.batch_alter_table('proposal_support', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proposal_support_participant_id'), ['participant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_proposal_support_proposal_id'), ['proposal_id'], unique=False)

    op.create_table('proposal_comment_flag',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('comment_id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['comment_id'], ['proposal_comment.id'], name=op.f('fk_proposal_comment_flag_comment_id_proposal_comment')),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], name=op.f('fk_proposal_comment_flag_participant_id_participant')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposal_comment_flag')),
    sa.UniqueConstraint('comment_id', 'participant_id', name=op.f('uq_proposal_comment_flag_comment_id_participant_id'))
    )
    with op.batch_alter_table('proposal_comment_flag', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proposal_comment_flag_comment_id'), ['comment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_proposal_comment_flag_participant_id'), ['participant_id'], unique=False)

    with op.batch_alter_table('participant', schema=None) as batch_op:
        batch_op.add_column(sa.Column('city_id', sa.Integer(), nullable=True))
        batch_op.alter_column('workshop_id',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.create_index(batch_op.f('ix_participant_city_id'), ['city_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_participant_city_id_city'), 'city', ['city_id'], ['id'])
        batch_op.create_check_constraint(
            op.f('ck_participant_one_place'), "(workshop_id IS NULL) <> (city_id IS NULL)"
        )

    with op.batch_alter_table('proposal', schema=None) as batch_op:
        batch_op.add_column(sa.Column('estimated_cost', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('origin', sa.String(length=10), server_default='idea', nullable=False))
        batch_op.add_column(sa.Column('status_reason', sa.String(length=300), server_default='', nullable=False))
        batch_op.add_column(sa.Column('merged_into_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('author_participant_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('author_group', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('support_count', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('comment_count', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.alter_column('status',
               existing_type=sa.VARCHAR(length=10),
               type_=sa.String(length=20),
               existing_nullable=False)
        batch_op.create_index(batch_op.f('ix_proposal_author_participant_id'), ['author_participant_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_proposal_merged_into_id_proposal'), 'proposal', ['merged_into_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_proposal_author_participant_id_participant'), 'participant', ['author_participant_id'], ['id'])
        batch_op.drop_constraint(op.f('ck_proposal_status'), type_='check')
        batch_op.create_check_constraint(op.f('ck_proposal_status'), NEW_STATUSES)
        batch_op.create_check_constraint(
            op.f('ck_proposal_origin'), "origin IN ('idea', 'theme', 'online', 'paper')"
        )
        batch_op.create_check_constraint(
            op.f('ck_proposal_author_group'), f"author_group IN ({GROUPS})"
        )
        batch_op.create_check_constraint(
            op.f('ck_proposal_cost'), "estimated_cost IS NULL OR estimated_cost >= 0"
        )
    op.execute("UPDATE proposal SET origin = 'theme' WHERE source_theme_id IS NOT NULL")
    with op.batch_alter_table('proposal', schema=None) as batch_op:
        batch_op.create_index(
            'ix_proposal_city_support', ['city_id', 'support_count', 'id'], unique=False
        )
        batch_op.create_index(
            'ix_proposal_city_comments', ['city_id', 'comment_count', 'id'], unique=False
        )

    cities = sa.table('city', sa.column('id', sa.Integer))
    categories = sa.table(
        'proposal_category',
        sa.column('city_id', sa.Integer),
        sa.column('code', sa.String),
        sa.column('name', sa.String),
        sa.column('position', sa.Integer),
    )
    city_ids = [row.id for row in op.get_bind().execute(sa.select(cities.c.id))]
    if city_ids:
        op.bulk_insert(
            categories,
            [
                {'city_id': city_id, 'code': code, 'name': '', 'position': position}
                for city_id in city_ids
                for position, code in enumerate(DIMENSIONS)
            ],
        )
    _create_search_index()


def _create_search_index() -> None:
    """Rows keyed by doc_id: a proposal's id, or minus a comment's id. The text is already
    segmented into words (app.domain.thai_nlp), so the plain tokenizers only split on spaces."""
    if op.get_bind().dialect.name == 'sqlite':
        op.execute(
            "CREATE VIRTUAL TABLE board_search USING fts5("
            "text, proposal_id UNINDEXED, city_id UNINDEXED, "
            "tokenize='unicode61 remove_diacritics 0')"
        )
        return
    op.execute(
        "CREATE TABLE board_search ("
        "doc_id BIGINT PRIMARY KEY, proposal_id INTEGER NOT NULL, city_id INTEGER NOT NULL, "
        "text TEXT NOT NULL, "
        "tsv TSVECTOR GENERATED ALWAYS AS (to_tsvector('simple', text)) STORED)"
    )
    op.execute("CREATE INDEX ix_board_search_tsv ON board_search USING gin (tsv)")
    op.execute("CREATE INDEX ix_board_search_city_id ON board_search (city_id)")



def downgrade() -> None:
    op.execute("DROP TABLE board_search")
    op.execute(
        "UPDATE proposal SET status = 'open' WHERE status NOT IN ('open', 'agreed')"
    )
    op.execute("UPDATE proposal SET merged_into_id = NULL, author_participant_id = NULL")
    op.execute("DELETE FROM proposal_comment_flag")
    op.execute("UPDATE proposal_comment SET parent_id = NULL")
    op.execute("DELETE FROM proposal_comment")
    op.execute("DELETE FROM proposal_support")
    op.execute("DELETE FROM proposal_change")
    op.execute("DELETE FROM participant WHERE workshop_id IS NULL")
    with op.batch_alter_table('proposal', schema=None) as batch_op:
        batch_op.drop_index('ix_proposal_city_comments')
        batch_op.drop_index('ix_proposal_city_support')
        batch_op.drop_constraint(op.f('ck_proposal_cost'), type_='check')
        batch_op.drop_constraint(op.f('ck_proposal_author_group'), type_='check')
        batch_op.drop_constraint(op.f('ck_proposal_origin'), type_='check')
        batch_op.drop_constraint(op.f('ck_proposal_status'), type_='check')
        batch_op.create_check_constraint(op.f('ck_proposal_status'), OLD_STATUSES)
        batch_op.drop_constraint(batch_op.f('fk_proposal_author_participant_id_participant'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_proposal_merged_into_id_proposal'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_proposal_author_participant_id'))
        batch_op.alter_column('status',
               existing_type=sa.String(length=20),
               type_=sa.VARCHAR(length=10),
               existing_nullable=False)
        batch_op.drop_column('updated_at')
        batch_op.drop_column('comment_count')
        batch_op.drop_column('support_count')
        batch_op.drop_column('author_group')
        batch_op.drop_column('author_participant_id')
        batch_op.drop_column('merged_into_id')
        batch_op.drop_column('status_reason')
        batch_op.drop_column('origin')
        batch_op.drop_column('estimated_cost')

    with op.batch_alter_table('participant', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_participant_one_place'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_participant_city_id_city'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_participant_city_id'))
        batch_op.alter_column('workshop_id',
               existing_type=sa.INTEGER(),
               nullable=False)
        batch_op.drop_column('city_id')

    with op.batch_alter_table('proposal_comment_flag', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_proposal_comment_flag_participant_id'))
        batch_op.drop_index(batch_op.f('ix_proposal_comment_flag_comment_id'))

    op.drop_table('proposal_comment_flag')
    with op.batch_alter_table('proposal_support', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_proposal_support_proposal_id'))
        batch_op.drop_index(batch_op.f('ix_proposal_support_participant_id'))

    op.drop_table('proposal_support')
    with op.batch_alter_table('proposal_image', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_proposal_image_proposal_id'))

    op.drop_table('proposal_image')
    with op.batch_alter_table('proposal_idea', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_proposal_idea_proposal_id'))

    op.drop_table('proposal_idea')
    with op.batch_alter_table('proposal_comment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_proposal_comment_proposal_id'))
        batch_op.drop_index(batch_op.f('ix_proposal_comment_parent_id'))
        batch_op.drop_index(batch_op.f('ix_proposal_comment_author_participant_id'))

    op.drop_table('proposal_comment')
    with op.batch_alter_table('proposal_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_proposal_change_proposal_id'))

    op.drop_table('proposal_change')
    with op.batch_alter_table('proposal_category', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_proposal_category_city_id'))

    op.drop_table('proposal_category')
