"""full-text search: a second, small FTS5 index of names, titles and topics (SQLite)

Searches whose words are very common rank only the projects that have them in these fields; ranking them
from this index reads and scores a few thousand short entries instead of every README that mentions the
words (decision 0007). PostgreSQL needs nothing: its ranking already stops at the GIN index.

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROW = """
    new.id,
    new.name || ' ' || replace(replace(new.full_name, '/', ' '), '_', ' '),
    new.title,
    coalesce((SELECT group_concat(value, ' ') FROM json_each(new.topics)), '')
"""
COLUMNS = "rowid, name, title, topics"
WATCHED = "name, full_name, title, topics"
TRIGGERS = ("project_fts_names_insert", "project_fts_names_update", "project_fts_names_delete")

UPGRADE = [
    """CREATE VIRTUAL TABLE project_fts_names USING fts5(
        name, title, topics,
        tokenize = 'porter unicode61 remove_diacritics 2', prefix = '2 3'
    )""",
    f"""CREATE TRIGGER project_fts_names_insert AFTER INSERT ON project BEGIN
        INSERT INTO project_fts_names({COLUMNS}) VALUES ({ROW});
    END""",
    f"""CREATE TRIGGER project_fts_names_update AFTER UPDATE OF {WATCHED} ON project BEGIN
        DELETE FROM project_fts_names WHERE rowid = old.id;
        INSERT INTO project_fts_names({COLUMNS}) VALUES ({ROW});
    END""",
    """CREATE TRIGGER project_fts_names_delete AFTER DELETE ON project BEGIN
        DELETE FROM project_fts_names WHERE rowid = old.id;
    END""",
    f"INSERT INTO project_fts_names({COLUMNS}) SELECT {ROW.replace('new.', 'project.')} FROM project",
]


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP TABLE IF EXISTS project_fts_names")
