"""`celery worker -B` runs beat in a thread of the worker instead of a forked process.

Celery forks a process for the embedded beat. That process holds a copy of the worker's
Django (about 95 MB resident) to wake once a second and queue three periodic tasks; as a
thread of the worker it costs next to nothing. It still runs only where `-B` is given,
and stops with the worker (the thread wakes at least once a second to notice).
"""

from celery.beat import EmbeddedService
from celery.worker import components


class Beat(components.Beat):
    name = "celery.worker.components.Beat"  # the step it stands in for

    def create(self, w):
        w.beat = EmbeddedService(
            w.app, schedule_filename=w.schedule_filename, scheduler_cls=w.scheduler, thread=True
        )
        return w.beat


def install() -> None:
    """Workers started from now on, in this process, embed beat as a thread."""
    components.Beat = Beat
