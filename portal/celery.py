import os

from celery import Celery
from celery.signals import beat_init, task_postrun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_finalize.connect
def schedule_periodic_work(sender: Celery, **_kwargs) -> None:
    from django.conf import settings

    sender.add_periodic_task(
        settings.PORTAL_SWEEP_INTERVAL_SECONDS, sender.signature("integration.sweep"), name="sweep"
    )
    sender.add_periodic_task(
        settings.PORTAL_WEBSUB_RESUBSCRIBE_SECONDS,
        sender.signature("integration.subscribe_websub"),
        name="websub re-subscription",
    )
    sender.add_periodic_task(
        settings.PORTAL_RETENTION_INTERVAL_SECONDS,
        sender.signature("integration.apply_retention"),
        name="retention",
    )


@task_postrun.connect
def close_database_connections(**_kwargs) -> None:
    # Workers are long-lived: don't keep a connection the database may have dropped.
    from django.db import close_old_connections

    close_old_connections()


@beat_init.connect
def subscribe_at_start(sender, **_kwargs) -> None:
    # MOSIP forgets subscribers: ask again whenever the scheduler starts, not only
    # after the first re-subscription interval.
    sender.app.send_task("integration.subscribe_websub")
