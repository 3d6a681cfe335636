from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationConfig(AppConfig):
    name = "integration"
    verbose_name = _("OpenCRVS–MOSIP integration")

    def ready(self) -> None:
        from integration import (
            checks,  # noqa: F401 - registers the start-up checks
            db,  # noqa: F401 - retires connections the database made read-only
            signals,  # noqa: F401 - connects the receivers
        )
        from integration.api import openapi  # noqa: F401 - the token's OpenAPI scheme
