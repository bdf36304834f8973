from alembic import context
from sqlalchemy import Engine
from sqlmodel import SQLModel

import chatbot.models  # noqa: F401  (registers the tables)

target_metadata = SQLModel.metadata
IGNORED_TABLES = ("project_fts", "apscheduler_jobs", "search_generation")


IGNORED_COLUMNS = ("search_vector",)  # PostgreSQL's full-text column, kept by a trigger (0003)
IGNORED_INDEXES = ("ix_project_search_vector",)


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    if name is None:
        return True
    if type_ == "table":
        return not name.startswith(IGNORED_TABLES)
    if type_ == "column":
        return name not in IGNORED_COLUMNS
    if type_ == "index":
        return name not in IGNORED_INDEXES
    return True


def run_migrations() -> None:
    engine: Engine = context.config.attributes["engine"]
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            include_name=include_name,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()


run_migrations()
