from integration.version import __version__
from portal.celery import app as celery_app

__all__ = ["__version__", "celery_app"]
