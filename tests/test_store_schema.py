from sqlalchemy import inspect

from chitieu.store.models import Base


def test_migration_creates_every_model_table(engine):
    tables = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    assert "alembic_version" in tables
