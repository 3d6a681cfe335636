"""Errors whose words staff read in their own language, while logs and the answers that
OpenCRVS and MOSIP read keep them in English."""

from typing import Any

from django.utils import translation


class StaffReadableError(ValueError):
    """Raised with a gettext_lazy message (and its %-placeholders' values): str() is the
    English text, for logs and API answers; `for_staff()` is in the active language,
    for the admin page that shows it."""

    def __init__(self, message: Any, **params: Any) -> None:
        self.text, self.params = message, params
        with translation.override("en"):
            super().__init__(self._render())

    def _render(self) -> str:
        # A cause that is itself readable is rendered in the same language.
        params = {
            name: value.for_staff() if isinstance(value, StaffReadableError) else value
            for name, value in self.params.items()
        }
        return str(self.text) % params if params else str(self.text)

    def for_staff(self) -> str:
        return self._render()


def staff_text(error: Exception) -> str:
    """What an admin page shows of an error: its words in the reader's language when it
    has them, else its message as it is (a parser's or a library's, in English)."""
    return error.for_staff() if isinstance(error, StaffReadableError) else str(error)
