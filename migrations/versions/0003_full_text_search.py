"""full-text search: FTS5 on SQLite, a weighted tsvector on PostgreSQL

Both are kept current by triggers, so every write path (import, sample, sync, webhooks) is indexed.
Fields and weights: name and title, then topics, then description/motivation/skills/language, then the
README excerpt.

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE_ROW = """
    new.id,
    new.name || ' ' || replace(replace(new.full_name, '/', ' '), '_', ' '),
    new.title,
    coalesce((SELECT group_concat(value, ' ') FROM json_each(new.topics)), ''),
    new.description || ' ' || new.motivation,
    coalesce(new.language, '') || ' '
        || coalesce((SELECT group_concat(value, ' ') FROM json_each(new.skills)), ''),
    new.readme_excerpt
"""
SQLITE_COLUMNS = "rowid, name, title, topics, description, skills, readme"
SQLITE_WATCHED = "name, full_name, title, topics, description, motivation, language, skills, readme_excerpt"

SQLITE_UPGRADE = [
    """CREATE VIRTUAL TABLE project_fts USING fts5(
        name, title, topics, description, skills, readme,
        tokenize = 'porter unicode61 remove_diacritics 2', prefix = '2 3'
    )""",
    f"""CREATE TRIGGER project_fts_insert AFTER INSERT ON project BEGIN
        INSERT INTO project_fts({SQLITE_COLUMNS}) VALUES ({SQLITE_ROW});
    END""",
    f"""CREATE TRIGGER project_fts_update AFTER UPDATE OF {SQLITE_WATCHED} ON project BEGIN
        DELETE FROM project_fts WHERE rowid = old.id;
        INSERT INTO project_fts({SQLITE_COLUMNS}) VALUES ({SQLITE_ROW});
    END""",
    """CREATE TRIGGER project_fts_delete AFTER DELETE ON project BEGIN
        DELETE FROM project_fts WHERE rowid = old.id;
    END""",
    f"""INSERT INTO project_fts({SQLITE_COLUMNS})
        SELECT {SQLITE_ROW.replace("new.", "project.")} FROM project""",
]

POSTGRES_UPGRADE = [
    "ALTER TABLE project ADD COLUMN search_vector tsvector",
    """CREATE FUNCTION project_search_vector() RETURNS trigger AS $$
    BEGIN
      NEW.search_vector :=
        setweight(to_tsvector('english', coalesce(NEW.name, '') || ' '
            || replace(replace(coalesce(NEW.full_name, ''), '/', ' '), '_', ' ') || ' '
            || coalesce(NEW.title, '')), 'A')
        || setweight(to_tsvector('english',
            coalesce((SELECT string_agg(value, ' ') FROM json_array_elements_text(NEW.topics)), '')), 'B')
        || setweight(to_tsvector('english', coalesce(NEW.description, '') || ' '
            || coalesce(NEW.motivation, '')
            || ' ' || coalesce(NEW.language, '') || ' '
            || coalesce((SELECT string_agg(value, ' ') FROM json_array_elements_text(NEW.skills)), '')), 'C')
        || setweight(to_tsvector('english', coalesce(NEW.readme_excerpt, '')), 'D');
      RETURN NEW;
    END
    $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER project_search_vector BEFORE INSERT OR UPDATE ON project
        FOR EACH ROW EXECUTE FUNCTION project_search_vector()""",
    "UPDATE project SET name = name",
    "CREATE INDEX ix_project_search_vector ON project USING gin (search_vector)",
]


def upgrade() -> None:
    statements = SQLITE_UPGRADE if op.get_bind().dialect.name == "sqlite" else POSTGRES_UPGRADE
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("project_fts_insert", "project_fts_update", "project_fts_delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS project_fts")
    else:
        op.execute("DROP TRIGGER IF EXISTS project_search_vector ON project")
        op.execute("DROP FUNCTION IF EXISTS project_search_vector()")
        op.execute("DROP INDEX IF EXISTS ix_project_search_vector")
        op.execute("ALTER TABLE project DROP COLUMN IF EXISTS search_vector")
