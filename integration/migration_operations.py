"""Migration operations that let the portal go on serving while `migrate` runs.

A migration that Django runs in one transaction holds every lock it took until it ends:
one `ADD COLUMN` (ACCESS EXCLUSIVE, even if instant) followed by a data migration over
the whole table blocks even reads of that table for the data migration's whole run. A
migration that uses these operations is non-atomic (`atomic = False`): its quick schema
changes commit together first (`SchemaChangesTogether`), its data moves in short
batches (`id_batches`), and its indexes are built with `CREATE INDEX CONCURRENTLY` on
PostgreSQL (`AddIndexOnline`, `AddConstraintOnline`, `ReplaceIndexOnline`). A run that
stopped half way (an error, a killed process) can be run again: each step skips what is
already done.
"""

import time
from collections.abc import Iterator

from django.db import OperationalError, router, transaction
from django.db.migrations.operations import AddConstraint, AddIndex, SeparateDatabaseAndState

BATCH_ROWS = 5000  # one short transaction each: row locks held for milliseconds
_CONCURRENT_UNIQUE = "CREATE UNIQUE INDEX CONCURRENTLY "
# A schema change queued behind a long query makes every later query of the table queue
# behind it: it waits this long for its lock, then lets them through and tries again.
LOCK_WAIT = "500ms"
LOCK_ATTEMPTS = 60  # about five minutes
LOCK_NOT_AVAILABLE = "55P03"


class SchemaChangesTogether(SeparateDatabaseAndState):
    """Quick schema changes in one transaction of their own (all or none), in a
    non-atomic migration. Skipped when `done_if_column` (table, column) exists already:
    a rerun after a later step failed. On PostgreSQL it waits at most LOCK_WAIT for its
    locks at a time, so a long query ahead of it never holds up the portal's queries
    queued behind it for longer."""

    atomic = True  # Migration.apply gives an atomic operation its own transaction

    def __init__(self, operations, done_if_column: tuple[str, str]):
        super().__init__(database_operations=operations, state_operations=operations)
        self.done_if_column = done_if_column

    def deconstruct(self):
        return (
            self.__class__.__qualname__,
            [self.database_operations],
            {"done_if_column": self.done_if_column},
        )

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        connection = schema_editor.connection
        table, column = self.done_if_column
        with connection.cursor() as cursor:
            if table in connection.introspection.table_names(cursor) and column in {
                col.name for col in connection.introspection.get_table_description(cursor, table)
            }:
                return
        if not _postgres(schema_editor) or schema_editor.collect_sql:
            self._apply(app_label, schema_editor, from_state, to_state)
            return
        for attempt in range(1, LOCK_ATTEMPTS + 1):
            deferred = list(schema_editor.deferred_sql)
            try:
                with transaction.atomic(using=connection.alias):  # a savepoint per attempt
                    schema_editor.execute(f"SET LOCAL lock_timeout = '{LOCK_WAIT}'")
                    self._apply(app_label, schema_editor, from_state, to_state)
                return
            except OperationalError as error:
                schema_editor.deferred_sql[:] = deferred
                waited = getattr(error.__cause__, "sqlstate", None) == LOCK_NOT_AVAILABLE
                if not waited or attempt == LOCK_ATTEMPTS:
                    raise
                time.sleep(min(attempt, 5))

    def _apply(self, app_label, schema_editor, from_state, to_state):
        # Django runs the SQL it defers (foreign keys, their indexes) when the whole
        # migration ends; run it inside this transaction, or a rerun would skip it.
        deferred_before = {id(sql) for sql in schema_editor.deferred_sql}
        super().database_forwards(app_label, schema_editor, from_state, to_state)
        deferred = [sql for sql in schema_editor.deferred_sql if id(sql) not in deferred_before]
        for sql in deferred:
            schema_editor.execute(sql)
            schema_editor.deferred_sql.remove(sql)

    def describe(self):
        return "; ".join(op.describe() for op in self.database_operations)


def _postgres(schema_editor) -> bool:
    return schema_editor.connection.vendor == "postgresql"


def _index_ready(schema_editor, model, name: str) -> bool:
    """The index exists and is usable. On PostgreSQL a concurrent build that failed leaves
    an invalid index behind: it is dropped (concurrently) so it can be built again."""
    connection = schema_editor.connection
    if schema_editor.collect_sql:
        return False
    with connection.cursor() as cursor:
        if not _postgres(schema_editor):
            table = model._meta.db_table
            return name in connection.introspection.get_constraints(cursor, table)
        cursor.execute(
            "SELECT i.indisvalid FROM pg_class c JOIN pg_index i ON i.indexrelid = c.oid "
            "WHERE c.relname = %s",
            [name],
        )
        found = cursor.fetchone()
    if found and not found[0]:
        schema_editor.execute(
            f"DROP INDEX CONCURRENTLY IF EXISTS {connection.ops.quote_name(name)}"
        )
        return False
    return bool(found)


class AddIndexOnline(AddIndex):
    """AddIndex that does not block writes on PostgreSQL (`CREATE INDEX CONCURRENTLY`;
    the migration must be non-atomic); a plain `CREATE INDEX` elsewhere."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        model = to_state.apps.get_model(app_label, self.model_name)
        if not router.allow_migrate_model(schema_editor.connection.alias, model):
            return
        if _index_ready(schema_editor, model, self.index.name):
            return
        if _postgres(schema_editor):
            schema_editor.add_index(model, self.index, concurrently=True)
        else:
            schema_editor.add_index(model, self.index)

    def describe(self):
        return super().describe() + " (concurrently on PostgreSQL)"


class AddConstraintOnline(AddConstraint):
    """AddConstraint for a unique constraint PostgreSQL keeps as a unique index (one with
    a condition): built with `CREATE UNIQUE INDEX CONCURRENTLY` there, so reads and
    writes go on; plainly elsewhere."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        model = to_state.apps.get_model(app_label, self.model_name)
        if not router.allow_migrate_model(schema_editor.connection.alias, model):
            return
        if _index_ready(schema_editor, model, self.constraint.name):
            return
        if not _postgres(schema_editor):
            schema_editor.add_constraint(model, self.constraint)
            return
        sql = str(self.constraint.create_sql(model, schema_editor))
        assert sql.startswith("CREATE UNIQUE INDEX "), sql  # only index-backed constraints
        schema_editor.execute(sql.replace("CREATE UNIQUE INDEX ", _CONCURRENT_UNIQUE, 1))

    def describe(self):
        return super().describe() + " (concurrently on PostgreSQL)"


def id_batches(queryset, size: int = BATCH_ROWS) -> Iterator[tuple[int, int]]:
    """(low, high) primary-key ranges covering the queryset's rows, `size` ids each: a
    data migration updates one range per statement, so each of its transactions is short."""
    bounds = queryset.order_by().values_list("pk", flat=True)
    low, high = bounds.order_by("pk").first(), bounds.order_by("-pk").first()
    if low is None:
        return
    for start in range(low, high + 1, size):
        yield start, start + size - 1


class ReplaceIndexOnline(SeparateDatabaseAndState):
    """An index (or a unique constraint PostgreSQL keeps as an index) replaced by one of
    the same name with other columns or condition, with no moment when neither holds and,
    on PostgreSQL, without blocking writes: the new one is built concurrently under a
    temporary name, the old one dropped concurrently, and the new one renamed. Elsewhere
    the plain remove and add. Takes the RemoveIndex/RemoveConstraint and the
    AddIndex/AddConstraint it replaces."""

    def __init__(self, remove, add):
        super().__init__(database_operations=[remove, add], state_operations=[remove, add])

    def deconstruct(self):
        return (self.__class__.__qualname__, self.database_operations, {})

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if not _postgres(schema_editor):
            super().database_forwards(app_label, schema_editor, from_state, to_state)
            return
        add = self.database_operations[1]
        model = to_state.apps.get_model(app_label, add.model_name)
        if not router.allow_migrate_model(schema_editor.connection.alias, model):
            return
        new = (add.index if isinstance(add, AddIndex) else add.constraint).clone()
        name, new.name = new.name, f"{new.name[:55]}_replace"
        quote = schema_editor.connection.ops.quote_name
        if not _index_ready(schema_editor, model, new.name):
            if isinstance(add, AddIndex):
                schema_editor.add_index(model, new, concurrently=True)
            else:
                sql = str(new.create_sql(model, schema_editor))
                assert sql.startswith("CREATE UNIQUE INDEX "), sql
                schema_editor.execute(sql.replace("CREATE UNIQUE INDEX ", _CONCURRENT_UNIQUE, 1))
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {quote(name)}")
        schema_editor.execute(f"ALTER INDEX {quote(new.name)} RENAME TO {quote(name)}")

    def describe(self):
        return self.database_operations[1].describe() + " (replacing it concurrently)"
