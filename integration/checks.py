"""Start-up check (Django's check framework): the OpenCRVS system client, when one is set,
must authenticate and carry the scopes the integration needs, as mosip-api checks before
it starts. Run by `manage.py check`, `migrate` and `runserver`; the deploy steps in the
README run `manage.py check` before the workers start.

Warnings, not errors: an error would stop `runserver` and `migrate`, and so lock an
admin out of the very settings page where the client is fixed.
"""

import logging

from django.core.checks import Warning, register, run_checks
from django.db import DatabaseError

log = logging.getLogger(__name__)
SYSTEM_CLIENT_CHECK_ID = "integration.W101"


@register("opencrvs")
def opencrvs_system_client(app_configs=None, **kwargs) -> list[Warning]:
    from integration.clients.opencrvs_auth import OpenCrvsAuth
    from integration.models import OpenCrvsSettings

    try:
        config = OpenCrvsSettings.objects.filter(pk=1).first()
        if config is None or not (config.auth_url or config.client_id):
            return []  # no system client: confirmations use each record's own token
        problems = OpenCrvsAuth(config).problems()
    except DatabaseError:
        return []  # not migrated yet: nothing is configured
    return [
        Warning(
            f"OpenCRVS: {problem}.",
            hint="Fix the system client in the admin's OpenCRVS settings; until then the "
            "portal confirms with each record's own token, which expires.",
            id=SYSTEM_CLIENT_CHECK_ID,
        )
        for problem in problems
    ]


def log_opencrvs_problems() -> None:
    """The same check as each Celery worker starts (gunicorn and workers run no checks)."""
    try:
        for problem in run_checks(tags=["opencrvs"]):
            log.warning("%s (%s)", problem.msg, problem.id)
    except Exception:  # noqa: BLE001 - a report must never stop a worker from starting
        log.exception("the OpenCRVS system client could not be checked")
