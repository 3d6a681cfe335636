"""Saves that change what `integration.config_cache` keeps per process."""

from celery.signals import task_postrun, task_prerun
from django.core.signals import request_finished, request_started
from django.db import connections
from django.db.models.signals import post_delete, post_migrate, post_save, pre_migrate
from django.dispatch import receiver

from integration import config_cache
from integration.mapping.profiles import CACHE_NAME as MAPPING
from integration.models.mapping import FieldMapping, MappingProfile
from integration.models.trust import TrustedDocument
from integration.services.credential_proof import TRUSTED_DOCUMENTS


@receiver([post_save, post_delete], sender=MappingProfile)
@receiver([post_save, post_delete], sender=FieldMapping)
def mapping_changed(**_kwargs) -> None:
    config_cache.changed(MAPPING)


@receiver([post_save, post_delete], sender=TrustedDocument)
def trusted_documents_changed(**_kwargs) -> None:
    config_cache.changed(TRUSTED_DOCUMENTS)


# Each request and each task checks the versions once, at its first use of each.
request_started.connect(config_cache.new_unit_of_work, dispatch_uid="config-cache-request")
task_prerun.connect(config_cache.new_unit_of_work, dispatch_uid="config-cache-task")
request_finished.connect(config_cache.end_unit_of_work, dispatch_uid="config-cache-request-end")
task_postrun.connect(config_cache.end_unit_of_work, dispatch_uid="config-cache-task-end")


@receiver(pre_migrate, dispatch_uid="migrate-without-statement-timeout")
def migrate_without_statement_timeout(using: str = "default", **_kwargs) -> None:
    """`migrate` may run a statement longer than the statement timeout the web and workers
    keep (DATABASE_STATEMENT_TIMEOUT_MS, there to fail fast on a silent network): building
    an index concurrently on a large table, a batch of a data migration. Cancelling it half
    way would leave the upgrade to be run again, so migrate's own session has none."""
    _set_statement_timeout(using, "SET statement_timeout = 0")


@receiver(post_migrate, dispatch_uid="statement-timeout-after-migrate")
def statement_timeout_after_migrate(using: str = "default", **_kwargs) -> None:
    """Back to the session's own setting: a process that goes on after migrate (the tests,
    `migrate` called from code) keeps the timeout its connection was made with."""
    _set_statement_timeout(using, "RESET statement_timeout")


def _set_statement_timeout(using: str, statement: str) -> None:
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(statement)
