"""Why something failed, in words staff read in their own language, while logs and the
answers that OpenCRVS and MOSIP read keep them in English: `Reason` (a failure as a code
and its values), the readable words and errors it is built on, and how a reason is stored.

The set: `reason_codes.py` is the catalogue of codes and their sentences;
`reason_groups.py` groups alike failure texts for the dashboard; `console/reason_text.py`
shows a stored reason on a page."""

from typing import Any

from django.utils import translation
from django.utils.functional import Promise


class Readable:
    """A gettext_lazy message and its %-placeholders' values: str() is the English text,
    for logs and API answers; `for_staff()` is in the active language, for the admin."""

    def __init__(self, message: Any, **params: Any) -> None:
        self.message, self.params = message, params

    def for_staff(self) -> str:
        # A cause that is itself readable is rendered in the same language (a failure
        # reason with the remote's own words quoted after it).
        params = {name: _shown(value) for name, value in self.params.items()}
        return str(self.message) % params if params else str(self.message)

    def __str__(self) -> str:
        with translation.override("en"):
            return self.for_staff()


def _shown(value: Any) -> Any:
    """A Readable's value as its sentence shows it: readable words in the active language
    (a list of them joined), anything else as it is."""
    if isinstance(value, list):
        return ", ".join(str(_shown(item)) for item in value)
    if isinstance(value, Reason):
        return value.for_staff_quoting()
    return staff_text(value) if readable(value) or isinstance(value, Promise) else value


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


class Reason(Readable):
    """Why a record failed, as a code of integration/reason_codes.py and its values:
    str() is the English sentence (for `last_error`, logs and the API), `for_staff()` the
    sentence in the active language. `verbatim` is a remote system's own words (`source`
    names it), never translated: str() appends it, pages show it apart, quoted.

    Stored as `stored()` (reason_code, reason_params) and read back by `Reason.load`."""

    def __init__(self, code: str, *, verbatim: str = "", source: str = "", **params: Any):
        from integration.reason_codes import REASONS

        super().__init__(REASONS[code], **params)
        self.code, self.verbatim, self.source = code, verbatim, source

    def for_staff(self) -> str:
        return self._sentence(whole=False)

    def _sentence(self, whole: bool) -> str:
        """The sentence in the active language. `whole`: a cause's own remote words kept
        inside it (the English text); else they are shown apart (`quoted()`)."""
        from integration.reason_codes import TRANSLATED_PARAMS

        def part(value: Any) -> str:
            if isinstance(value, Reason) and whole:
                return str(value)
            return staff_text(value)

        params = {}
        for name, value in self.params.items():
            if isinstance(value, list):
                value = "; ".join(part(item) for item in value)
            elif readable(value):
                value = part(value)
            elif name in TRANSLATED_PARAMS and isinstance(value, str):
                value = translation.gettext(value)
            params[name] = value
        return str(self.message) % params

    def __str__(self) -> str:
        from integration.reason_codes import VERBATIM_FORMATS

        with translation.override("en"):
            sentence = self._sentence(whole=True)
        if not self.verbatim:
            return sentence
        form = VERBATIM_FORMATS.get(self.code, "{sentence}: {verbatim}")
        return form.format(sentence=sentence, verbatim=self.verbatim)

    def __contains__(self, words: str) -> bool:
        # Read where a plain English text was before (`"required" in problem`).
        return words in str(self)

    def __html__(self) -> str:
        # A template shows the reader's language (str() would be English).
        from django.utils.html import escape

        return escape(self.for_staff())

    def grouping_text(self) -> str:
        """The English sentence without any remote's words: alike failures (one code, the
        same system and status) read alike whatever each remote said."""
        with translation.override("en"):
            return self._sentence(whole=False)

    def for_staff_quoting(self) -> str:
        """`for_staff()`, the remote's own words quoted after it (one line)."""
        verbatim = self.quoted()[0]
        if not verbatim:
            return self.for_staff()
        words = {"reason": self.for_staff(), "verbatim": verbatim}
        return translation.gettext("%(reason)s: “%(verbatim)s”") % words

    def quoted(self) -> tuple[str, str]:
        """The remote's own words and whose they are: this reason's, else its cause's."""
        if self.verbatim:
            return self.verbatim, self.source
        for value in self.params.values():
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, Reason) and item.quoted()[0]:
                    return item.quoted()
        return "", ""

    def stored(self) -> dict[str, Any]:
        params: dict[str, Any] = {}
        for name, value in self.params.items():
            if isinstance(value, list):
                params[name] = [_stored_value(item) for item in value]
            else:
                params[name] = _stored_value(value)
        if self.verbatim:
            params["verbatim"], params["source"] = self.verbatim, self.source
        return {"reason_code": self.code, "reason_params": params}

    @classmethod
    def load(cls, code: str, params: dict | None) -> "Reason | None":
        """The reason stored, or None for a row without a code (or a code since removed):
        such rows show their stored text."""
        from integration.reason_codes import REASONS

        if not code or code not in REASONS:
            return None
        params = dict(params or {})
        verbatim, source = params.pop("verbatim", ""), params.pop("source", "")
        try:
            loaded = {name: _loaded_value(value) for name, value in params.items()}
            reason = cls(code, verbatim=verbatim, source=source, **loaded)
            reason.for_staff()  # a parameter missing since: show the stored text
        except (KeyError, TypeError, ValueError):
            return None
        return reason


def _stored_value(value: Any) -> Any:
    if isinstance(value, Reason):
        return {"code": value.code, "params": value.stored()["reason_params"]}
    if isinstance(value, list):
        return [_stored_value(item) for item in value]
    if isinstance(value, Promise):  # a word marked for translation: its msgid
        with translation.override("en"):
            return {"msgid": str(value), "params": {}}
    if readable(value):
        # A cause with readable words (a keystore or key document that cannot be used):
        # kept as its English msgid and values, translated again when shown. A msgid
        # changed since reads in English, as it was stored.
        words = value.readable if isinstance(value, StaffReadableError) else value
        with translation.override("en"):
            msgid = str(words.message)
        params = {name: _stored_value(item) for name, item in words.params.items()}
        return {"msgid": msgid, "params": params}
    if isinstance(value, int | float | bool) or value is None:
        return value
    return str(value)


def _loaded_value(value: Any) -> Any:
    if isinstance(value, list):
        return [_loaded_value(item) for item in value]
    if isinstance(value, dict) and "code" in value:
        return Reason.load(value["code"], value.get("params")) or ""
    if isinstance(value, dict) and "msgid" in value:
        params = {name: _loaded_value(item) for name, item in (value.get("params") or {}).items()}
        return Readable(_LazyMsgid(value["msgid"]), **params)
    return value


class _LazyMsgid:
    """A stored msgid, translated into the language active when it is shown."""

    def __init__(self, msgid: str) -> None:
        self.msgid = msgid

    def __str__(self) -> str:
        return translation.gettext(self.msgid)


def staff_words(error: object) -> str:
    """What an error says in the reader's language, a remote's own words quoted after it:
    a RemoteError or MappingFailed carrying a Reason, a readable error, else its text."""
    reason = getattr(error, "reason", error)
    if isinstance(reason, Reason):
        return reason.for_staff_quoting()
    if readable(reason):
        return staff_text(reason)
    return getattr(error, "message", None) or str(error)


def stored_reason(last_error: object) -> dict[str, Any]:
    """The columns a failure reason is written to: its English text, and its code and
    values when it has them (a plain text clears them)."""
    if isinstance(last_error, Reason):
        return {"last_error": str(last_error), **last_error.stored()}
    return {"last_error": str(last_error), "reason_code": "", "reason_params": {}}
