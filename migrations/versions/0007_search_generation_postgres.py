"""search generation on PostgreSQL: the in-memory search index (decision 0007) on every replica

The same one-row `search_generation` as SQLite's (0005), moved on by triggers on the same columns, so
that a replica knows its copy of the index is stale after a write made by any other. Differences:

- The triggers are deferred to commit (constraint triggers) and move the generation once per transaction
  (a transaction-local setting remembers it): a long sync doesn't hold the row's lock while it runs,
  and two writers can't deadlock on it, since it is the last lock either takes.
- A copy is known by the row's number and its version (`xmin`, the transaction that wrote it): a row
  emptied and put back, or restored from a dump, may repeat a number but not a transaction. The row is
  put back if it is missing; `TRUNCATE` moves it too.

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As 0005: what the index holds, whether a project is listed, its activity and what the filters test.
WATCHED = (
    "name, full_name, title, topics, description, motivation, language, skills, readme_excerpt,"
    " archived, removed_at, activity_score, owner_login, source"
)
ISSUE_WATCHED = "state, labels, project_id"
ONCE = "innersource.search_generation_moved"

UPGRADE = [
    "CREATE TABLE search_generation (generation BIGINT NOT NULL)",
    "INSERT INTO search_generation (generation) VALUES (1)",
    f"""CREATE FUNCTION search_generation_move() RETURNS trigger AS $$
    BEGIN
      IF coalesce(current_setting('{ONCE}', true), '') <> 'yes' THEN
        UPDATE search_generation SET generation = generation + 1;
        IF NOT FOUND THEN
          INSERT INTO search_generation (generation) VALUES (1);
        END IF;
        PERFORM set_config('{ONCE}', 'yes', true);
      END IF;
      RETURN NULL;
    END
    $$ LANGUAGE plpgsql""",
    *(
        f"""CREATE CONSTRAINT TRIGGER search_generation_{name} AFTER {event} ON {table}
            DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION search_generation_move()"""
        for table, name, event in (
            ("project", "insert", "INSERT OR DELETE"),
            ("project", "update", f"UPDATE OF {WATCHED}"),
            ("issue", "issue_insert", "INSERT OR DELETE"),
            ("issue", "issue_update", f"UPDATE OF {ISSUE_WATCHED}"),
        )
    ),
    *(
        f"""CREATE TRIGGER search_generation_{table}_truncate AFTER TRUNCATE ON {table}
            FOR EACH STATEMENT EXECUTE FUNCTION search_generation_move()"""
        for table in ("project", "issue")
    ),
]

TRIGGERS = {
    "search_generation_insert": "project",
    "search_generation_update": "project",
    "search_generation_project_truncate": "project",
    "search_generation_issue_insert": "issue",
    "search_generation_issue_update": "issue",
    "search_generation_issue_truncate": "issue",
}


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite has had it since 0005
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for trigger, table in TRIGGERS.items():
        op.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {table}")
    op.execute("DROP FUNCTION IF EXISTS search_generation_move()")
    op.execute("DROP TABLE IF EXISTS search_generation")
