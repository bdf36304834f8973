"""delivery retries: how long a digest has waited on Slack; welcome DMs that resume after a failed send

A pending `digestdelivery` keeps the error it is retrying and the seconds waited so far, for `innersource
digest status`. A `welcome` row is claimed (`claimed_at`) before its DM is sent and resumed when that
claim goes stale; `update_pending` marks a checklist step that its DM does not show yet.

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("digestdelivery") as batch:
        batch.add_column(sa.Column("waited_seconds", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("welcome") as batch:
        batch.add_column(sa.Column("claimed_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("update_pending", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.create_index("ix_welcome_claimed_at", ["claimed_at"])
        batch.create_index("ix_welcome_update_pending", ["update_pending"])


def downgrade() -> None:
    with op.batch_alter_table("welcome") as batch:
        batch.drop_index("ix_welcome_update_pending")
        batch.drop_index("ix_welcome_claimed_at")
        batch.drop_column("update_pending")
        batch.drop_column("claimed_at")
    with op.batch_alter_table("digestdelivery") as batch:
        batch.drop_column("waited_seconds")
