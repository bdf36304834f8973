"""onboarding: one welcome row per person (the welcome DM and the checklist steps done)

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "welcome",
        sa.Column("slack_user_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("channel_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("message_ts", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("done_steps", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("slack_user_id"),
    )


def downgrade() -> None:
    op.drop_table("welcome")
