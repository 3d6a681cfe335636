"""Re-encrypt every stored secret with the first key of PORTAL_FIELD_ENCRYPTION_KEYS, so
the keys after it can be dropped (docs/runbook/key-rotation.md).

Every encrypted field of every model is covered (settings secrets and keystores, the
records' OpenCRVS tokens, IDA and E-Signet keys), found by its field class rather than
listed here, so a secret added later is covered too. Rows are read and written in
batches, each batch in its own transaction, by primary key order. A value already under
the first key is left alone, so the command can be run again (after an interruption, or
to check) and then re-encrypts nothing. Each write is conditional on the value it read:
a secret an admin saved in the meantime (already under the first key) is not overwritten.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from integration.fields import encrypted_fields, reencrypt, under_first_key


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored secret with the first key of PORTAL_FIELD_ENCRYPTION_KEYS "
        "(run it after putting the new key first; then the old keys can be removed)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Count what would be re-encrypted; write nothing.",
        )

    def handle(self, *args, batch_size: int = 500, dry_run: bool = False, **options):
        totals = {"re-encrypted": 0, "already current": 0, "unreadable": 0}
        for model, field in encrypted_fields():
            counts = self._rotate_column(model, field, batch_size, dry_run)
            for name, count in counts.items():
                totals[name] += count
            label = f"{model._meta.label}.{field.name}"
            self.stdout.write(
                f"{label}: {counts['re-encrypted']} "
                f"{'to re-encrypt' if dry_run else 're-encrypted'}, "
                f"{counts['already current']} already under the first key"
                + (f", {counts['unreadable']} UNREADABLE" if counts["unreadable"] else "")
            )
        verb = "to re-encrypt" if dry_run else "re-encrypted"
        self.stdout.write(
            f"Total: {totals['re-encrypted']} {verb}, {totals['already current']} already "
            f"under the first key, {totals['unreadable']} unreadable."
        )
        if totals["unreadable"]:
            raise CommandError(
                "Some stored secrets cannot be decrypted with any configured key (listed above "
                "by field; see the log for their rows). Put the key they were encrypted with "
                "back into PORTAL_FIELD_ENCRYPTION_KEYS, or enter those secrets again in the "
                "admin, before removing any key."
            )

    def _rotate_column(self, model, field, batch_size: int, dry_run: bool) -> dict[str, int]:
        quote = connection.ops.quote_name
        table, column = quote(model._meta.db_table), quote(field.column)
        pk = quote(model._meta.pk.column)
        # Names come from the models, never from input (hence the noqa: S608 below).
        stored = f"SELECT {pk}, {column} FROM {table} WHERE {column} IS NOT NULL AND {column} <> ''"  # noqa: S608
        update = f"UPDATE {table} SET {column} = %s WHERE {pk} = %s AND {column} = %s"  # noqa: S608
        counts = {"re-encrypted": 0, "already current": 0, "unreadable": 0}
        after: list = []  # the last primary key of the previous batch
        while True:
            with transaction.atomic(), connection.cursor() as cursor:
                where = f" AND {pk} > %s" if after else ""
                cursor.execute(f"{stored}{where} ORDER BY {pk} LIMIT %s", [*after, batch_size])
                rows = cursor.fetchall()
                for row_pk, token in rows:
                    self._rotate_value(cursor, update, row_pk, token, model, field, counts, dry_run)
            if len(rows) < batch_size:
                return counts
            after = [rows[-1][0]]

    def _rotate_value(self, cursor, update, row_pk, token, model, field, counts, dry_run) -> None:
        if under_first_key(token):
            counts["already current"] += 1
            return
        try:
            fresh = reencrypt(token)
        except ValueError:
            counts["unreadable"] += 1
            # The row, never the value.
            self.stderr.write(f"{model._meta.label}.{field.name}: row {row_pk} is unreadable")
            return
        if dry_run:
            counts["re-encrypted"] += 1
            return
        cursor.execute(update, [fresh, row_pk, token])
        # 0 rows: the value changed since it was read, so it was written under the first key.
        counts["re-encrypted" if cursor.rowcount else "already current"] += 1
