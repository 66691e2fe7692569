"""a city's board retention: personal data of a board participant is kept board_retention_months
(1 to 120, default 24) after their last activity; indexes to find a participant's edits and
photos (their last activity, and erasure)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01 13:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("city", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("board_retention_months", sa.Integer(), server_default="24", nullable=False)
        )
        batch_op.create_check_constraint(
            op.f("ck_city_board_retention_months"), "board_retention_months BETWEEN 1 AND 120"
        )
    with op.batch_alter_table("proposal_change", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_proposal_change_author_participant_id"),
            ["author_participant_id"],
            unique=False,
        )
    with op.batch_alter_table("proposal_image", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_proposal_image_author_participant_id"),
            ["author_participant_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("proposal_image", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_proposal_image_author_participant_id"))
    with op.batch_alter_table("proposal_change", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_proposal_change_author_participant_id"))
    with op.batch_alter_table("city", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_city_board_retention_months"), type_="check")
        batch_op.drop_column("board_retention_months")
