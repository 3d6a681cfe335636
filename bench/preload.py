"""Fill the portal's database with older, finished records (as a year or two of
registrations leaves it), for benchmarks that must show cost stays flat as it grows.

    DATABASE_URL=... python -m bench.preload 1000000
"""

import os
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.setdefault("PORTAL_DEMO", "true")

PRELOAD = """
INSERT INTO integration_submission (event_type, source_format, event_type_id,
    confirm_in_opencrvs, tracking_id, certificate_number, event_id, action_id, token,
    raw_request, fields_sent, status, transaction_id, vid, created_at, updated_at,
    confirmed_at {extra_columns})
SELECT 'birth', 'interop', 'birth', true, 'P' || n, 'PRELOAD' || n, md5(n::text),
    md5((n + 1)::text), '',
    jsonb_build_object('trackingId', 'P' || n, 'requestFields',
        jsonb_build_object('birthCertificateNumber', 'PRELOAD' || n)),
    '{{}}'::jsonb, 'confirmed', '9' || lpad(n::text, 14, '0'), lpad(n::text, 10, '0'),
    now() - interval '500 days' + n * interval '40 seconds',
    now() - interval '500 days' + n * interval '40 seconds',
    now() - interval '500 days' + n * interval '40 seconds' {extra_values}
FROM generate_series(1, %(rows)s) AS n
"""
TRANSACTION_IDS = """
INSERT INTO integration_transactionid (submission_id, value, created_at, vid,
    credential_received_at {extra_columns})
SELECT id, transaction_id, created_at, vid, created_at {extra_values}
FROM integration_submission WHERE certificate_number LIKE 'PRELOAD%%'
"""


def main() -> None:
    rows = int(sys.argv[1])
    import django

    django.setup()
    from django.db import connection

    from bench.console_bench import with_defaults
    from integration.models import Submission, TransactionId

    started = time.monotonic()
    with connection.cursor() as cursor:
        params = {"rows": rows}
        cursor.execute(with_defaults(PRELOAD, Submission, params), params)
        params = {}
        cursor.execute(with_defaults(TRANSACTION_IDS, TransactionId, params), params)
        cursor.execute("VACUUM ANALYZE integration_submission")
        cursor.execute("VACUUM ANALYZE integration_transactionid")
    print(f"{rows:,} older records in {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
