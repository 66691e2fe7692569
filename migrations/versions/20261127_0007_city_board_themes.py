"""themes over a city board: runs and themes belong to a city, a workshop is optional

Existing runs and themes take the city of their workshop; downgrading drops city-board runs.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27 19:56:17.357058
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for table in ('theme_run', 'theme'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('city_id', sa.Integer(), nullable=True))
        op.execute(
            f"UPDATE {table} SET city_id = "
            f"(SELECT city_id FROM workshop WHERE workshop.id = {table}.workshop_id)"
        )
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column('city_id', existing_type=sa.Integer(), nullable=False)
            batch_op.alter_column('workshop_id', existing_type=sa.INTEGER(), nullable=True)
            batch_op.create_index(batch_op.f(f'ix_{table}_city_id'), ['city_id'], unique=False)
            batch_op.create_foreign_key(batch_op.f(f'fk_{table}_city_id_city'), 'city', ['city_id'], ['id'])


def downgrade() -> None:
    op.execute(
        "UPDATE proposal SET source_theme_id = NULL WHERE source_theme_id IN "
        "(SELECT id FROM theme WHERE workshop_id IS NULL)"
    )
    op.execute("DELETE FROM theme_run WHERE workshop_id IS NULL")
    op.execute("DELETE FROM theme WHERE workshop_id IS NULL")
    with op.batch_alter_table('theme_run', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_theme_run_city_id_city'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_theme_run_city_id'))
        batch_op.alter_column('workshop_id',
               existing_type=sa.INTEGER(),
               nullable=False)
        batch_op.drop_column('city_id')

    with op.batch_alter_table('theme', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_theme_city_id_city'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_theme_city_id'))
        batch_op.alter_column('workshop_id',
               existing_type=sa.INTEGER(),
               nullable=False)
        batch_op.drop_column('city_id')

