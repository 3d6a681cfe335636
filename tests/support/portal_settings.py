"""The portal's settings as a test changes them: by the names code reads them with
(`app_settings.LEASE_SECONDS`), through pytest-django's `settings` fixture, which puts
them back after the test."""

from typing import Any

from integration import app_settings


class PortalSettings:
    """`portal_settings.LEASE_SECONDS = 1` sets the Django setting that
    `app_settings.LEASE_SECONDS` reads, for this test only."""

    def __init__(self, django_settings) -> None:
        object.__setattr__(self, "_django_settings", django_settings)

    @staticmethod
    def _setting_name(name: str) -> str:
        setting = app_settings.BY_NAME.get(f"PORTAL_{name}") or app_settings.BY_NAME.get(name)
        if setting is None or not setting.setting:
            raise AttributeError(f"integration.app_settings declares no setting {name}")
        return setting.setting

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._django_settings, self._setting_name(name), value)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._django_settings, self._setting_name(name))
