from portal.celery import app as celery_app
from portal.version import __version__

__all__ = ["__version__", "celery_app"]
