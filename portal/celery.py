import logging
import os

from celery import Celery
from celery.signals import (
    beat_init,
    before_task_publish,
    setup_logging,
    task_postrun,
    task_prerun,
    worker_ready,
)

from integration import app_settings
from portal import embedded_beat, folder_broker, redis_broker

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
folder_broker.install()  # the embedded broker writes whole messages only
redis_broker.install()  # a worker outlives a Redis restart (see the module)
embedded_beat.install()  # -B: beat as a thread of the worker, not a forked process

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def _add_heartbeat() -> None:
    from integration.worker import Heartbeat

    app.steps["consumer"].add(Heartbeat)


_add_heartbeat()


@app.on_after_finalize.connect
def schedule_periodic_work(sender: Celery, **_kwargs) -> None:
    sender.add_periodic_task(
        app_settings.SWEEP_INTERVAL_SECONDS, sender.signature("integration.sweep"), name="sweep"
    )
    sender.add_periodic_task(
        app_settings.WEBSUB_RESUBSCRIBE_SECONDS,
        sender.signature("integration.subscribe_websub"),
        name="websub re-subscription",
    )
    sender.add_periodic_task(
        app_settings.MOSIP_STATUS_CHECK_SECONDS,
        sender.signature("integration.check_mosip_status"),
        name="MOSIP status",
    )
    sender.add_periodic_task(
        app_settings.RETENTION_INTERVAL_SECONDS,
        sender.signature("integration.apply_retention"),
        name="retention",
    )
    if app_settings.RECONCILIATION_INTERVAL_SECONDS > 0:
        sender.add_periodic_task(
            app_settings.RECONCILIATION_INTERVAL_SECONDS,
            sender.signature("integration.reconcile_with_opencrvs"),
            name="reconciliation with OpenCRVS",
        )


@setup_logging.connect
def keep_the_portal_logging(loglevel: int | str | None = None, **_kwargs) -> None:
    # Connected, this tells Celery to leave the root logger's handlers alone: a worker
    # logs one JSON object per line like the web processes (settings.LOGGING), not in
    # Celery's own format. Only the level comes from the command line (--loglevel).
    if loglevel:
        logging.getLogger().setLevel(loglevel)


@task_postrun.connect
def close_database_connections(**_kwargs) -> None:
    # Workers are long-lived: don't keep a connection the database may have dropped.
    from django.db import close_old_connections

    from integration import logs

    close_old_connections()
    logs.clear()


@worker_ready.connect
def check_the_opencrvs_system_client(**_kwargs) -> None:
    # mosip-api refuses to start without a working system client; a worker says so in
    # its log instead, and confirms with each record's own token meanwhile.
    from integration.checks import log_opencrvs_problems

    log_opencrvs_problems()


@beat_init.connect
def subscribe_at_start(sender, **_kwargs) -> None:
    # MOSIP forgets subscribers: ask again whenever the scheduler starts, not only
    # after the first re-subscription interval.
    sender.app.send_task("integration.subscribe_websub")


@before_task_publish.connect
def carry_the_request_id(headers: dict | None = None, **_kwargs) -> None:
    # The web request (or task) that queues work hands its id on, so one id follows a
    # registration from intake through delivery and confirmation in the logs.
    from integration import logs

    if headers is not None and logs.request_id.get():
        headers.setdefault(logs.HEADER, logs.request_id.get())


@task_prerun.connect
def bind_the_request_id(task=None, task_id: str = "", **_kwargs) -> None:
    from integration import logs

    logs.clear()
    carried = getattr(task.request, logs.HEADER, None) if task else None
    logs.request_id.set(logs.new_request_id(carried or task_id))
