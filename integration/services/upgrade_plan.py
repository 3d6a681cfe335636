"""What `migrate` will do to this database, said before it runs (`manage.py upgrade_check`).

For each migration not applied yet: one line on what it does, the rows its data steps
will touch, the locks its SQL takes and on which tables, and how long it is expected to
take. The SQL is the one Django would run here (collected, not run, as `sqlmigrate`
does); the locks are PostgreSQL's for each statement; the time is the row counts times
rates measured on PostgreSQL 15 (bench/migration_bench.py, 100,000 records, 2 cores).

A migration module (or its Migration class) may help the estimate with two names:
`upgrade_rows(connection) -> list[(what, rows, seconds per row)]` for its data steps, and
`UPGRADE_NOTE`, a sentence an operator must read before running it.
"""

import re
import sys
from dataclasses import dataclass, field

from django.db import connections
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.operations import RunPython, RunSQL

# Seconds per row, measured (see the module docstring).
INDEX_BUILD = 2e-6  # CREATE INDEX over one table row
TABLE_REWRITE = 2e-5  # a column type change or a SQLite table copy, per row
FULL_SCAN = 5e-7  # SET NOT NULL, a foreign key's validation
UNKNOWN_DATA_STEP = 5e-4  # a data step that says nothing of itself, per row of its table
MIGRATION_OVERHEAD = 0.05  # loading the migration state, per migration
# A block shorter than this goes unnoticed: the portal's requests wait as long for I/O.
NOTICEABLE = 1.0
SHOWN = 0.1  # blocks from this long are listed, so an operator sees them grow with the data

NONE, WRITES, ALL = 0, 1, 2
BLOCKS = {NONE: "nothing", WRITES: "writes", ALL: "reads and writes"}
# What reads and writes each kind of table: the processes an operator would stop.
PROCESSES = "web and workers"

STATEMENT_LOCKS = [
    # (pattern, what it blocks on the named table, seconds per row of that table)
    (re.compile(r'CREATE (?:UNIQUE )?INDEX CONCURRENTLY .*? ON "(\w+)"', re.S), NONE, 0.0),
    (re.compile(r'CREATE (?:UNIQUE )?INDEX .*? ON "(\w+)"', re.S), WRITES, INDEX_BUILD),
    (re.compile(r'CREATE TABLE "(\w+)"'), NONE, 0.0),
    (re.compile(r'INSERT INTO "(new__\w+)".*? FROM "(\w+)"', re.S), ALL, TABLE_REWRITE),
    (re.compile(r'ALTER TABLE "(\w+)" ALTER COLUMN "\w+" TYPE'), ALL, TABLE_REWRITE),
    (re.compile(r'ALTER TABLE "(\w+)" ALTER COLUMN "\w+" SET NOT NULL'), ALL, FULL_SCAN),
    (re.compile(r'ALTER TABLE "(\w+)" ADD CONSTRAINT .*? FOREIGN KEY', re.S), WRITES, FULL_SCAN),
    (re.compile(r'ALTER TABLE "(\w+)"'), ALL, 0.0),  # ADD COLUMN, DROP DEFAULT: metadata
    (re.compile(r'DROP TABLE "(\w+)"'), ALL, 0.0),
]


@dataclass
class Block:
    table: str
    blocks: int
    seconds: float


@dataclass
class MigrationPlan:
    label: str
    description: str
    atomic: bool
    data: list[tuple[str, int]] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    seconds: float = MIGRATION_OVERHEAD
    notes: list[str] = field(default_factory=list)
    stop_note: str = ""


@dataclass
class UpgradePlan:
    vendor: str
    migrations: list[MigrationPlan]

    @property
    def seconds(self) -> float:
        return sum(m.seconds for m in self.migrations)

    def waits(self) -> dict[str, tuple[int, float]]:
        """Per table: the strongest noticeable block and how long it lasts in all."""
        found: dict[str, tuple[int, float]] = {}
        for migration in self.migrations:
            for block in migration.blocks:
                if block.blocks == NONE or block.seconds < NOTICEABLE:
                    continue
                level, seconds = found.get(block.table, (NONE, 0.0))
                found[block.table] = (max(level, block.blocks), seconds + block.seconds)
        return found


def plan(database: str = "default") -> UpgradePlan:
    connection = connections[database]
    executor = MigrationExecutor(connection)
    steps = executor.migration_plan(executor.loader.graph.leaf_nodes())
    rows = _RowCounter(connection)
    migrations = []
    # The state of every migration applied here, as `migrate` starts from it.
    state = executor._create_project_state(with_applied_migrations=True)
    for migration, _backwards in steps:
        described, state = describe(migration, state, connection, rows)
        migrations.append(described)
    return UpgradePlan(connection.vendor, migrations)


def describe(migration, state, connection, rows=None):
    """One migration's plan, from the SQL Django would run for it from `state` (collected,
    not run); returns it and the state after the migration."""
    with connection.schema_editor(collect_sql=True, atomic=migration.atomic) as editor:
        state = migration.apply(state, editor, collect_sql=True)
    sql = editor.collected_sql
    return _describe(migration, sql, rows or _RowCounter(connection), connection), state


class _RowCounter:
    def __init__(self, connection):
        self.connection, self.known = connection, {}
        self.tables = set(connection.introspection.table_names())

    def __call__(self, table: str) -> int:
        if table not in self.known:
            self.known[table] = 0
            if table in self.tables:  # one a migration creates is empty
                with self.connection.cursor() as cursor:
                    name = self.connection.ops.quote_name(table)
                    cursor.execute(f"SELECT count(*) FROM {name}")  # noqa: S608 - a table name
                    self.known[table] = cursor.fetchone()[0]
        return self.known[table]


def _describe(migration, sql: list[str], rows: _RowCounter, connection) -> MigrationPlan:
    module = sys.modules[type(migration).__module__]
    summary = _summary(module, migration)
    result = MigrationPlan(f"{migration.app_label}.{migration.name}", summary, migration.atomic)
    for statement in sql:
        block = _statement_block(statement.strip(), rows)
        if block:
            result.blocks.append(block)
            result.seconds += block.seconds
    data_steps = [op for op in migration.operations if isinstance(op, RunPython | RunSQL)]
    rows_of = getattr(migration, "upgrade_rows", None) or getattr(module, "upgrade_rows", None)
    if data_steps:
        if rows_of:
            for what, count, per_row in rows_of(connection):
                result.data.append((what, count))
                result.seconds += count * per_row
        else:
            result.notes.append(
                f"{len(data_steps)} data step(s) that give no estimate of their own"
            )
    result.stop_note = getattr(migration, "UPGRADE_NOTE", "") or getattr(module, "UPGRADE_NOTE", "")
    if migration.atomic and connection.vendor == "postgresql":
        # One transaction: every lock is held until the migration ends.
        held: dict[str, int] = {}
        for block in result.blocks:
            held[block.table] = max(held.get(block.table, NONE), block.blocks)
        result.blocks = [Block(table, level, result.seconds) for table, level in held.items()]
    elif connection.vendor == "sqlite" and (result.blocks or result.data):
        # SQLite has one writer at a time: while migrate writes, nothing else may.
        result.blocks = [Block("(the whole database)", WRITES, result.seconds)]
    return result


def _summary(module, migration) -> str:
    doc = " ".join((module.__doc__ or type(migration).__doc__ or "").split())
    if doc:
        first = re.split(r"(?<=\.)\s", doc, maxsplit=1)[0]
        return first if len(first) <= 160 else first[:157] + "..."
    described = [op.describe() for op in migration.operations]
    more = f" (and {len(described) - 3} more)" if len(described) > 3 else ""
    return "; ".join(described[:3]) + more


def _statement_block(statement: str, rows: _RowCounter) -> Block | None:
    if not statement or statement.startswith("--") or statement in ("BEGIN;", "COMMIT;"):
        return None
    for pattern, blocks, per_row in STATEMENT_LOCKS:
        if found := pattern.search(statement):
            table = found.groups()[-1]
            return Block(table, blocks, rows(table) * per_row)
    return None


def report(upgrade: UpgradePlan) -> list[str]:
    """The plan in words, for the operator's terminal."""
    if not upgrade.migrations:
        return ["No migrations to apply: the database is up to date."]
    lines = [f"{len(upgrade.migrations)} migration(s) to apply ({upgrade.vendor}):", ""]
    for migration in upgrade.migrations:
        lines.append(f"  {migration.label}: {migration.description}")
        for what, count in migration.data:
            lines.append(f"      data: {count:,} {what}")
        shown = [b for b in migration.blocks if b.blocks and b.seconds >= SHOWN]
        for block in shown:
            lines.append(
                f"      locks: blocks {BLOCKS[block.blocks]} of {block.table} "
                f"for {_duration(block.seconds)}"
            )
        if not shown:
            how = "in steps" if not migration.atomic else "in one transaction"
            lines.append(f"      locks: none that makes the portal wait ({how})")
        lines.append(f"      expected: {_duration(migration.seconds)}")
        lines += [f"      note: {note}" for note in migration.notes]
        if migration.stop_note:
            lines.append(f"      before migrate: {migration.stop_note}")
    lines += ["", f"Expected time in all: {_duration(upgrade.seconds)}."]
    waits = upgrade.waits()
    for table, (level, seconds) in waits.items():
        lines.append(
            f"Stop {PROCESSES} while migrate runs: {BLOCKS[level]} of {table} would wait "
            f"for {_duration(seconds)}."
        )
    stops = [m for m in upgrade.migrations if m.stop_note]
    for migration in stops:
        lines.append(
            f"Before migrate ({migration.label}): {migration.stop_note} "
            f"They stay stopped for the whole migrate: {_duration(upgrade.seconds)}."
        )
    if not waits and not stops:
        lines.append(
            f"No migration blocks the portal's reads or writes for long: {PROCESSES} may keep "
            "running during migrate. Stop beat (it starts again with the new release)."
        )
    elif not waits:
        lines.append("No migration blocks the portal's reads or writes for long.")
    return lines


def _duration(seconds: float) -> str:
    if seconds < 1:
        return "under 1 s" if seconds >= SHOWN else "a moment"
    if seconds < 120:
        return f"about {seconds:.0f} s"
    return f"about {seconds / 60:.0f} min"
