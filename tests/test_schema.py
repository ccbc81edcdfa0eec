"""The migrations build exactly the models' schema, and the app is set up as documented."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from consult.extensions import db
from consult.search import FTS_TABLE, PG_SEARCH_COLUMN, PG_SEARCH_INDEX, include_object


def test_upgrade_on_an_empty_database_gives_the_models_schema(app):
    # The session fixture created this database with `flask db upgrade` alone.
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": include_object}
        )
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_the_search_index_exists_beside_the_models(app):
    inspector = inspect(db.engine)
    if db.engine.dialect.name == "sqlite":
        assert FTS_TABLE in inspector.get_table_names()
    else:
        names = {index["name"] for index in inspector.get_indexes("testimonies")}
        assert PG_SEARCH_INDEX in names
        columns = {column["name"] for column in inspector.get_columns("testimonies")}
        assert PG_SEARCH_COLUMN in columns


def test_every_consult_command_has_help(runner):
    result = runner.invoke(args=["consult", "--help"])
    assert result.exit_code == 0
    commands = ["create-admin", "grant-role", "demo", "purge", "scan-pii",
                "import-recommendations", "publish-recommendations", "analyse-texts",
                "import-polis", "opinion-groups", "export-polis", "export",
                "import-testimonies"]
    for command in commands:
        assert command in result.output
        detail = runner.invoke(args=["consult", command, "--help"])
        assert detail.exit_code == 0, detail.output
        assert "Usage:" in detail.output
