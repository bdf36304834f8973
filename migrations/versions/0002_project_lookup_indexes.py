"""indexes for mirror and rename lookups

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_project_full_name_lower", "project", [sa.text("lower(full_name)")])
    op.create_index("ix_project_origin_external_id", "project", ["origin", "external_id"])


def downgrade() -> None:
    op.drop_index("ix_project_origin_external_id", table_name="project")
    op.drop_index("ix_project_full_name_lower", table_name="project")
