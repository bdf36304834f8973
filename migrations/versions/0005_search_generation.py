"""search: a generation number that every change to what search sees moves on (SQLite); statistics on
issue labels (PostgreSQL)

The app keeps a copy of the full-text index's postings in memory (chatbot/catalog/memory_index.py,
decision 0007); one read of this row per search tells it whether that copy is still current. Triggers
keep it, like the FTS5 triggers of 0003, so every write path counts: projects' searched fields, listing
activity and filtered fields, and open issues' labels (for `has:`).

On PostgreSQL, `has:help-wanted` tests `lower(labels::text) LIKE '%"help wanted"%'`; without statistics
on that expression the planner guessed 13 matching issues where there were 28,000 and chose a plan that
took 100 ms at 100,000 projects (30 ms with them). Expression statistics need PostgreSQL 14.

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# What the FTS5 index holds (0003), whether a project is listed at all, its activity (the boost) and
# what the filters test (language and topics are above).
WATCHED = (
    "name, full_name, title, topics, description, motivation, language, skills, readme_excerpt,"
    " archived, removed_at, activity_score, owner_login, source"
)
BUMP = "UPDATE search_generation SET generation = generation + 1;"
# Open issues' labels: what `has:help-wanted` and `has:good-first-issue` filter on.
ISSUE_WATCHED = "state, labels, project_id"
TRIGGERS = (
    "search_generation_insert",
    "search_generation_update",
    "search_generation_delete",
    "search_generation_issue_insert",
    "search_generation_issue_update",
    "search_generation_issue_delete",
)

UPGRADE = [
    "CREATE TABLE search_generation (generation INTEGER NOT NULL)",
    "INSERT INTO search_generation (generation) VALUES (1)",
    f"CREATE TRIGGER search_generation_insert AFTER INSERT ON project BEGIN {BUMP} END",
    f"CREATE TRIGGER search_generation_update AFTER UPDATE OF {WATCHED} ON project BEGIN {BUMP} END",
    f"CREATE TRIGGER search_generation_delete AFTER DELETE ON project BEGIN {BUMP} END",
    f"CREATE TRIGGER search_generation_issue_insert AFTER INSERT ON issue BEGIN {BUMP} END",
    f"""CREATE TRIGGER search_generation_issue_update AFTER UPDATE OF {ISSUE_WATCHED} ON issue
        BEGIN {BUMP} END""",
    f"CREATE TRIGGER search_generation_issue_delete AFTER DELETE ON issue BEGIN {BUMP} END",
]


POSTGRES_STATISTICS = "issue_labels_lower"


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        if int(bind.exec_driver_sql("SHOW server_version_num").scalar_one()) >= 140000:
            op.execute(
                f"CREATE STATISTICS IF NOT EXISTS {POSTGRES_STATISTICS}"
                " ON (lower(CAST(labels AS TEXT))) FROM issue"
            )
            op.execute("ANALYZE issue")
        return
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP STATISTICS IF EXISTS {POSTGRES_STATISTICS}")
        return
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP TABLE IF EXISTS search_generation")
