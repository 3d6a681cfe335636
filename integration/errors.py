"""Words staff read in their own language, while logs and the answers that OpenCRVS and
MOSIP read keep them in English."""

from typing import Any

from django.utils import translation


class Readable:
    """A gettext_lazy message and its %-placeholders' values: str() is the English text,
    for logs and API answers; `for_staff()` is in the active language, for the admin."""

    def __init__(self, message: Any, **params: Any) -> None:
        self.message, self.params = message, params

    def for_staff(self) -> str:
        # A cause that is itself readable is rendered in the same language.
        params = {
            name: staff_text(value) if readable(value) else value
            for name, value in self.params.items()
        }
        return str(self.message) % params if params else str(self.message)

    def __str__(self) -> str:
        with translation.override("en"):
            return self.for_staff()


class StaffReadableError(ValueError):
    """An error raised with readable words (see Readable): str() is English."""

    def __init__(self, message: Any, **params: Any) -> None:
        self.readable = Readable(message, **params)
        super().__init__(str(self.readable))

    def for_staff(self) -> str:
        return self.readable.for_staff()


def readable(value: object) -> bool:
    return isinstance(value, Readable | StaffReadableError)


def staff_text(value: object) -> str:
    """What an admin page shows of an error or a problem: its words in the reader's
    language when it has them, else as it is (a parser's or a library's, in English)."""
    return value.for_staff() if readable(value) else str(value)  # type: ignore[union-attr]
