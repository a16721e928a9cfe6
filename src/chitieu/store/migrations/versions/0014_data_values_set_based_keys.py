"""data_values' foreign keys checked once per statement on PostgreSQL

Revision ID: 0014_data_values_set_based_keys
Revises: 0013_birth_tables_clustered
Create Date: 2026-12-06 19:00:00.000000

PostgreSQL checks a foreign key with a trigger per written row: one lookup of the parent and
one row lock each, about half of the server's work of writing a data value. On PostgreSQL the
two foreign keys of ``data_values`` (``element_code`` → ``data_elements.code``, ``unit_code``
→ ``units.code``) become triggers that keep exactly the same guarantee with one check per
statement:

- ``AFTER INSERT … FOR EACH STATEMENT`` with the statement's rows as a transition table
  (``COPY`` fires it too): the distinct parents are locked ``FOR KEY SHARE``, as the foreign
  key's own check locks each (so a concurrent delete or renaming of a parent waits for this
  transaction), and a missing one raises SQLSTATE 23503 (``foreign_key_violation``, naming the
  constraint and the missing code), as the foreign key did.
- ``AFTER UPDATE OF element_code, unit_code … FOR EACH ROW`` when a key really changes (what
  the foreign key checks on update; an update of the value alone costs nothing, as before).
- On ``units`` and ``data_elements``, ``AFTER DELETE`` and ``AFTER UPDATE OF code`` row
  triggers refuse (23503) while a value still refers to the old code. AFTER, as PostgreSQL's
  own ``NO ACTION`` check: a delete that waited for an inserter's lock on the parent sees the
  inserter's committed rows when it checks.

``TRUNCATE`` of either parent stays refused by the other tables' foreign keys on them. SQLite
keeps its foreign keys (the models still declare them); it checks them with a lookup per row
of its own, which this does not change. Downgrade restores the foreign keys (which checks
every stored row once).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0014_data_values_set_based_keys"
down_revision: str | None = "0013_birth_tables_clustered"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: (column of data_values, parent table, the foreign key's name): the names are PostgreSQL's
#: defaults for the constraints 0001 made, kept so that errors read as before.
_KEYS = (
    ("element_code", "data_elements", "data_values_element_code_fkey"),
    ("unit_code", "units", "data_values_unit_code_fkey"),
)


def _child_statement_check(column: str, parent: str, name: str) -> str:
    """The part of the statement trigger checking one key of the rows in ``new_rows``.

    The parents are locked and counted in one query; only when fewer are found than the rows
    refer to is a missing one looked for (again if it appeared meanwhile: then it was not
    locked, so the check starts over, as the foreign key's would find and lock it)."""
    return f"""
    LOOP
        WITH wanted AS MATERIALIZED (SELECT DISTINCT n.{column} AS code FROM new_rows n)
        SELECT (SELECT count(*) FROM wanted WHERE code IS NOT NULL), count(*)
        INTO wanted, found FROM (
            SELECT 1 FROM {parent} p WHERE p.code IN (SELECT code FROM wanted)
            FOR KEY SHARE OF p
        ) locked;
        EXIT WHEN found >= wanted;
        SELECT n.{column} INTO missing FROM new_rows n
        WHERE n.{column} IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM {parent} p WHERE p.code = n.{column})
        LIMIT 1;
        IF missing IS NOT NULL THEN
            RAISE EXCEPTION USING
                ERRCODE = 'foreign_key_violation',
                MESSAGE = 'insert or update on table "data_values" violates foreign key '
                    || 'constraint "{name}"',
                DETAIL = format('Key ({column})=(%s) is not present in table "{parent}".',
                    missing),
                CONSTRAINT = '{name}', TABLE = 'data_values', COLUMN = '{column}';
        END IF;
    END LOOP;"""


_CHILD_STATEMENT = f"""
CREATE FUNCTION data_values_check_parents() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    found bigint;
    wanted bigint;
    missing text;
BEGIN
    {"".join(_child_statement_check(*key) for key in _KEYS)}
    RETURN NULL;
END
$$
"""


def _child_row_check(column: str, parent: str, name: str) -> str:
    return f"""
    IF NEW.{column} IS DISTINCT FROM OLD.{column} AND NEW.{column} IS NOT NULL THEN
        PERFORM 1 FROM {parent} p WHERE p.code = NEW.{column} FOR KEY SHARE OF p;
        IF NOT FOUND THEN
            RAISE EXCEPTION USING
                ERRCODE = 'foreign_key_violation',
                MESSAGE = 'insert or update on table "data_values" violates foreign key '
                    || 'constraint "{name}"',
                DETAIL = format('Key ({column})=(%s) is not present in table "{parent}".',
                    NEW.{column}),
                CONSTRAINT = '{name}', TABLE = 'data_values', COLUMN = '{column}';
        END IF;
    END IF;"""


_CHILD_ROW = f"""
CREATE FUNCTION data_values_check_parents_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {"".join(_child_row_check(*key) for key in _KEYS)}
    RETURN NULL;
END
$$
"""


def _parent_function(column: str, parent: str, name: str) -> str:
    """A parent row deleted, or its code changed: refused while a value refers to the old
    code. The first such value is locked, as the foreign key's own check does, so that an
    update moving it elsewhere is waited for rather than refused on a row about to change."""
    return f"""
CREATE FUNCTION {parent}_check_data_values() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM data_values d WHERE d.{column} = OLD.code LIMIT 1 FOR KEY SHARE OF d;
    IF FOUND THEN
        RAISE EXCEPTION USING
            ERRCODE = 'foreign_key_violation',
            MESSAGE = 'update or delete on table "{parent}" violates foreign key constraint '
                || '"{name}" on table "data_values"',
            DETAIL = format('Key (code)=(%s) is still referenced from table "data_values".',
                OLD.code),
            CONSTRAINT = '{name}', TABLE = '{parent}';
    END IF;
    RETURN NULL;
END
$$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for _, _, name in _KEYS:
        op.execute(f'ALTER TABLE data_values DROP CONSTRAINT "{name}"')
    op.execute(_CHILD_STATEMENT)
    op.execute(_CHILD_ROW)
    op.execute(
        "CREATE TRIGGER data_values_parents_insert AFTER INSERT ON data_values "
        "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
        "EXECUTE FUNCTION data_values_check_parents()"
    )
    op.execute(
        "CREATE TRIGGER data_values_parents_update "
        "AFTER UPDATE OF element_code, unit_code ON data_values FOR EACH ROW "
        "WHEN (NEW.element_code IS DISTINCT FROM OLD.element_code "
        "OR NEW.unit_code IS DISTINCT FROM OLD.unit_code) "
        "EXECUTE FUNCTION data_values_check_parents_update()"
    )
    for column, parent, name in _KEYS:
        op.execute(_parent_function(column, parent, name))
        op.execute(
            f"CREATE TRIGGER {parent}_data_values_delete AFTER DELETE ON {parent} "
            f"FOR EACH ROW EXECUTE FUNCTION {parent}_check_data_values()"
        )
        op.execute(
            f"CREATE TRIGGER {parent}_data_values_update AFTER UPDATE OF code ON {parent} "
            "FOR EACH ROW WHEN (NEW.code IS DISTINCT FROM OLD.code) "
            f"EXECUTE FUNCTION {parent}_check_data_values()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for _, parent, _ in _KEYS:
        op.execute(f"DROP TRIGGER {parent}_data_values_delete ON {parent}")
        op.execute(f"DROP TRIGGER {parent}_data_values_update ON {parent}")
        op.execute(f"DROP FUNCTION {parent}_check_data_values()")
    op.execute("DROP TRIGGER data_values_parents_insert ON data_values")
    op.execute("DROP TRIGGER data_values_parents_update ON data_values")
    op.execute("DROP FUNCTION data_values_check_parents()")
    op.execute("DROP FUNCTION data_values_check_parents_update()")
    for column, parent, name in _KEYS:
        op.execute(
            f'ALTER TABLE data_values ADD CONSTRAINT "{name}" '
            f"FOREIGN KEY ({column}) REFERENCES {parent} (code)"
        )
