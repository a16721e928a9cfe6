"""PostgreSQL: the audit entries of imported values built by the server from the rows written

Revision ID: 0015_audit_inserts_on_server
Revises: 0014_data_values_set_based_keys
Create Date: 2026-12-06 19:30:00.000000

A bulk insert of data values (``chitieu.reporting.write.apply_plan``) sets the transaction's
``chitieu.audit_inserts`` to the actor while it writes; a statement trigger then appends one
audit entry per row of the statement's transition table, in id order, instead of the client
spelling out each entry and sending it in a second ``COPY``. The entry is the one
``chitieu.reporting.write`` writes (action ``insert``, key ``element|unit|period|disaggregation``,
no "before", "after" the stored value, comment, stored_by, status and followup): the number
keeps a decimal point or an exponent, so it reads back as the same float. Any other insert
(the setting empty or unset) writes no entry here: its writer audits it. SQLite needs nothing:
it builds the same entries with an ``INSERT … SELECT`` from the rows just written.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0015_audit_inserts_on_server"
down_revision: str | None = "0014_data_values_set_based_keys"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FUNCTION = """
CREATE FUNCTION data_values_audit_inserts() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    who text := current_setting('chitieu.audit_inserts', true);
BEGIN
    IF who IS NULL OR who = '' THEN
        RETURN NULL;
    END IF;
    INSERT INTO audit_log (actor, action, table_name, row_key, unit_code, before, after)
    SELECT who, 'insert', 'data_values',
        n.element_code || '|' || n.unit_code || '|' || n.period || '|' || n.disaggregation,
        n.unit_code, NULL,
        ('{"value": ' || CASE
            WHEN n.value IS NULL THEN 'null'
            WHEN n.value = trunc(n.value) AND abs(n.value) < 1e15 THEN n.value::text || '.0'
            ELSE n.value::text END
        || ', "comment": ' || coalesce(to_json(n.comment)::text, 'null')
        || ', "stored_by": ' || coalesce(to_json(n.stored_by)::text, 'null')
        || ', "status": ' || coalesce(to_json(n.status)::text, 'null')
        || ', "followup": ' || CASE WHEN n.followup THEN 'true' ELSE 'false' END
        || '}')::json
    FROM new_rows n ORDER BY n.id;
    RETURN NULL;
END
$$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(_FUNCTION)
    op.execute(
        "CREATE TRIGGER data_values_audit_inserts AFTER INSERT ON data_values "
        "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
        "EXECUTE FUNCTION data_values_audit_inserts()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER data_values_audit_inserts ON data_values")
    op.execute("DROP FUNCTION data_values_audit_inserts()")
