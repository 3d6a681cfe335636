"""Start-up checks (Django's check framework).

- The OpenCRVS system client, when one is set, must authenticate and carry the scopes the
  integration needs, as mosip-api checks before it starts.
- Settings that make the portal unsafe: an empty WebSub secret, the credential proof
  check off, DEBUG with registrations in the database, E-Signet without any key. They
  read the database, so they run where it is given: `bin/portal web` runs
  `manage.py check --deploy --database default` before serving, as `migrate` does. Plain
  `check --deploy`, the go-live check, runs them on the default database too: without
  it, Django gives no database and "no issues" would hide them.

Run by `manage.py check`, `migrate` and `runserver`; the deploy steps in the README run
`manage.py check` before the workers start.

Warnings, not errors: an error would stop `runserver` and `migrate`, and so lock an
admin out of the very settings page where the client is fixed.
"""

import logging

from django.conf import settings
from django.core.checks import Tags, Warning, register, run_checks
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


def _row(model):
    """The settings row as stored, without creating one (checks never write)."""
    return model.objects.filter(pk=1).first() or model()


@register(Tags.security)
def integration_settings_check(app_configs=None, databases=None, **kwargs) -> list[Warning]:
    from integration.models import EsignetSettings, MosipSettings, Submission

    warnings: list[Warning] = []
    if not databases:
        return warnings
    try:
        mosip, esignet = _row(MosipSettings), _row(EsignetSettings)
        has_records = settings.DEBUG and Submission.objects.exists()
    except DatabaseError:
        return warnings  # not migrated yet: `migrate` comes first
    if not mosip.websub_secret:
        warnings.append(
            Warning(
                "The MOSIP WebSub secret is empty: anyone who can reach /websub/callback "
                "can deliver credentials without a signature.",
                hint="Set the WebSub secret in the admin (MOSIP settings), then run "
                "`manage.py subscribe_websub` so the hub signs deliveries with it.",
                id="integration.W001",
            )
        )
    if not mosip.verify_credential_proof:
        warnings.append(
            Warning(
                "Credential proof checking is off: credentials are accepted unverified.",
                hint="Turn on `verify the credential's proof` in the MOSIP settings.",
                id="integration.W002",
            )
        )
    if has_records:
        warnings.append(
            Warning(
                "DEBUG is on and the database holds registrations: error pages would show "
                "people's data and settings to anyone.",
                hint="Set DJANGO_DEBUG=false.",
                id="integration.W003",
            )
        )
    esignet_keys = (esignet.jwks_url, esignet.trusted_key_urls, esignet.trusted_keys)
    if esignet.token_url and esignet.userinfo_signed_by == "esignet" and not any(esignet_keys):
        warnings.append(
            Warning(
                "E-Signet is configured without a JWKS URL or any other key: user info "
                "is taken unverified.",
                hint="Set the JWKS URL (or extra key URLs, or pinned keys) in the E-Signet "
                "settings.",
                id="integration.W004",
            )
        )
    return warnings


@register(Tags.security, deploy=True)
def integration_settings_deploy_check(app_configs=None, databases=None, **kwargs) -> list[Warning]:
    """`check --deploy` without `--database`: the settings checks above, on the default
    database (with `--database` they run already)."""
    if databases:
        return []
    return integration_settings_check(app_configs, databases=["default"], **kwargs)
