"""The Alembic history has one head, and the migrated schema matches the models exactly."""
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from deliberate import ROOT
from deliberate.database import include_object
from deliberate.extensions import db


def test_single_migration_head():
    config = Config(str(ROOT / "deliberate" / "migrations" / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "deliberate" / "migrations"))
    assert len(ScriptDirectory.from_config(config).get_heads()) == 1


def test_migrations_match_models(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True, "render_as_batch": True,
                                                                  "include_object": include_object})
        differences = compare_metadata(context, db.metadata)
    assert differences == []
