"""Every text staff read is marked for translation, and every language is complete.

Three checks: (1) no template shows literal words outside {% translate %} or
{% blocktranslate %}; (2) no error or message the admin and console show staff (form
errors, flash messages, connection-test answers) is a literal outside gettext; (3) the
messages extracted now from the code and templates are all in each committed catalogue,
translated, not fuzzy, and compiled into its .mo."""

import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.template.base import Lexer, TokenType

ROOT = Path(settings.BASE_DIR)
TEMPLATES = sorted((ROOT / "templates").rglob("*.html"))
LANGUAGES = [code for code, _name in settings.LANGUAGES if code != "en"]
# Words that read the same in every language: names of systems and units.
UNTRANSLATED = {"OpenCRVS–MOSIP", "OpenCRVS", "MOSIP", "UTC", "VID", "NID", "HTTP", "ms"}
VISIBLE_ATTRIBUTES = re.compile(
    r'\b(?:title|aria-label|placeholder|alt)="([^"\x00]*)"|<input type="submit" value="([^"\x00]*)"'
)
TAG = re.compile(r"<[^>]*>")
ENTITY = re.compile(r"&[a-z]+;|&#\d+;")


def untranslated_text(path: Path) -> list[str]:
    """Literal words shown outside the translation tags (comments and tags skipped)."""
    # The template as one string, each tag or variable (and whatever a blocktranslate
    # holds) replaced by a placeholder, so HTML tags split by a variable still parse.
    parts, depth, comment, css_class = [], 0, False, False
    for token in Lexer(path.read_text()).tokenize():
        if token.token_type == TokenType.BLOCK:
            name = token.contents.split()[0]
            comment = {"comment": True, "endcomment": False}.get(name, comment)
            # {% block bodyclass %} holds a CSS class, not words.
            css_class = token.contents == "block bodyclass" or (css_class and name != "endblock")
            depth += {"blocktranslate": 1, "blocktrans": 1}.get(name, 0)
            depth -= {"endblocktranslate": 1, "endblocktrans": 1}.get(name, 0)
        if token.token_type == TokenType.TEXT and not (depth or comment or css_class):
            parts.append(token.contents)
        else:
            parts.append("\x00")
    page = "".join(parts)
    text = ENTITY.sub(" ", TAG.sub(" ", page)).replace("\x00", " ")
    shown = []
    attributes = ["".join(values) for values in VISIBLE_ATTRIBUTES.findall(page)]
    for line in [*attributes, *text.split("\n")]:
        words = " ".join(w for w in line.split() if w.strip("()[]:;,.·…") not in UNTRANSLATED)
        if re.search(r"[A-Za-z]{2,}", words):
            shown.append(words)
    return shown


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_template_string_is_marked_for_translation(path):
    assert untranslated_text(path) == []


def test_the_scan_finds_an_unmarked_string(tmp_path):
    page = tmp_path / "page.html"
    page.write_text(
        '{% load i18n %}<h1>{% translate "Fine" %}</h1><p title="Hover me">Not marked</p>'
        "{% blocktranslate %}Fine {{ n }}{% endblocktranslate %}<span>UTC</span>"
    )
    assert untranslated_text(page) == ["Hover me", "Not marked"]


# The modules whose errors and messages staff read. Log lines and the API's error bodies
# (read by OpenCRVS and MOSIP) stay English and are not in these calls.
STAFF_MODULES = sorted(
    [
        *(ROOT / "integration" / "admin").rglob("*.py"),
        *(ROOT / "integration" / "console").rglob("*.py"),
        ROOT / "integration" / "services" / "connection_checks.py",
        ROOT / "integration" / "fields.py",
    ]
)
# A form or model error, a flash message, a "Test connection" answer.
MESSAGE_CALLS = {"ValidationError", "add_error", "message_user", "add_message", "Answer"}
MESSAGE_LEVELS = {"debug", "info", "success", "warning", "error"}  # messages.<level>(...)
TRANSLATED = {"_", "gettext", "gettext_lazy", "ngettext", "ngettext_lazy", "format_lazy"}


def _called(call: ast.Call) -> str:
    return call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", "")


def _shown(call: ast.Call) -> list[ast.expr]:
    """The arguments of a call that staff read (none when it is not a message call)."""
    name, owner = _called(call), getattr(call.func, "value", None)
    if name not in MESSAGE_CALLS and not (
        name in MESSAGE_LEVELS and getattr(owner, "id", "") == "messages"
    ):
        return []
    arguments = call.args[1:] if name == "add_error" else call.args  # add_error(field, ...)
    return [*arguments, *(k.value for k in call.keywords if k.arg in ("message", "error"))]


def _literal_words(node: ast.AST):
    """String literals with words in an expression, outside any translation call. Dict
    keys and subscripts name things (a field, a placeholder); they are not read."""
    if isinstance(node, ast.Call) and _called(node) in TRANSLATED:
        return
    if isinstance(node, ast.Constant):
        if isinstance(node.value, str) and re.search(r"[A-Za-z]{2,}", node.value):
            yield node.value
        return
    if isinstance(node, ast.Dict):
        children = [value for value in node.values if value is not None]
    elif isinstance(node, ast.Subscript):
        children = [node.value]
    else:
        children = list(ast.iter_child_nodes(node))
    for child in children:
        yield from _literal_words(child)


def unmarked_messages(path: Path) -> list[str]:
    """ "line: text" of each literal shown to staff in a message call, not marked."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call):
            for argument in _shown(node):
                found += [f"{node.lineno}: {text}" for text in _literal_words(argument)]
    return found


@pytest.mark.parametrize("path", STAFF_MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_message_shown_to_staff_is_marked_for_translation(path):
    assert unmarked_messages(path) == []


def test_the_code_scan_finds_an_unmarked_message(tmp_path):
    module = tmp_path / "admin_x.py"
    module.write_text(
        "def clean(self, exc):\n"
        '    self.add_error("url", _("Fine: %(e)s") % {"e": exc})\n'
        '    self.add_error("url", f"{exc} is not a URL")\n'
        '    messages.error(request, _("Fine") + " and not marked")\n'
        '    raise forms.ValidationError({"content": "must be a JSON object"})\n'
        '    raise ValidationError(f"{exc[\'field\']}: {exc}", code="invalid")\n'
    )
    assert unmarked_messages(module) == [
        "3:  is not a URL",
        "4:  and not marked",
        "5: must be a JSON object",
    ]


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> set[str]:
    """The messages makemessages extracts from the code as it is now, in a scratch copy."""
    if not shutil.which("xgettext"):
        pytest.fail("gettext is not installed (apt-get install gettext)")
    copy = tmp_path_factory.mktemp("extract")
    for name in ("integration", "templates", "portal", "manage.py"):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, copy / name)
    (copy / "locale").mkdir()
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "fr", "--no-location"],
        cwd=copy,
        check=True,
        capture_output=True,
        env={"PATH": "/usr/bin:/bin", "PORTAL_DEMO": "true", "DJANGO_LOG_LEVEL": "ERROR"},
    )
    catalogue = polib.pofile(str(copy / "locale" / "fr" / "LC_MESSAGES" / "django.po"))
    return {entry.msgid for entry in catalogue}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated(extracted, language):
    po = polib.pofile(str(ROOT / "locale" / language / "LC_MESSAGES" / "django.po"))
    translated = {e.msgid for e in po if e.translated() and "fuzzy" not in e.flags}
    missing = sorted(extracted - translated)
    assert missing == [], f"{len(missing)} message(s) not translated into {language}"
    fuzzy = [e.msgid for e in po if "fuzzy" in e.flags]
    assert fuzzy == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_catalogue_matches_its_source(language):
    folder = ROOT / "locale" / language / "LC_MESSAGES"
    po, mo = polib.pofile(str(folder / "django.po")), polib.mofile(str(folder / "django.mo"))
    compiled = {(e.msgid, e.msgstr or tuple(sorted(e.msgstr_plural.items()))) for e in mo}
    source = {
        (e.msgid, e.msgstr or tuple(sorted(e.msgstr_plural.items())))
        for e in po.translated_entries()
    }
    assert source <= compiled, "run: python manage.py compilemessages"


# Failure reasons (integration/reason_codes.py): a record's reason is stored as a code
# whose sentence is marked for translation, never as words written where it happens.
REASON_CODES = ROOT / "integration" / "reason_codes.py"
# The modules that build failure reasons; each new one is added here as it is converted.
FAILURE_MODULES = [
    ROOT / "integration" / "services" / "failures.py",
    ROOT / "integration" / "services" / "progress.py",
    ROOT / "integration" / "mapping" / "validation.py",
    ROOT / "integration" / "mapping" / "engine.py",
    ROOT / "integration" / "mapping" / "mosip_rules.py",
    ROOT / "integration" / "services" / "packet.py",
    ROOT / "integration" / "clients" / "http.py",
    ROOT / "integration" / "services" / "mosip_status.py",
    ROOT / "integration" / "clients" / "opencrvs.py",
    ROOT / "integration" / "clients" / "mosip.py",
    ROOT / "integration" / "services" / "confirmation.py",
    ROOT / "integration" / "services" / "opencrvs_access.py",
    ROOT / "integration" / "clients" / "opencrvs_auth.py",
    ROOT / "integration" / "services" / "sweep.py",
    ROOT / "integration" / "services" / "credential.py",
    ROOT / "integration" / "services" / "credential_proof.py",
    ROOT / "integration" / "clients" / "ida.py",
    ROOT / "integration" / "clients" / "esignet.py",
    ROOT / "integration" / "mapping" / "transforms.py",
    ROOT / "integration" / "services" / "declaration.py",
    # The Inbound page's refusals and /verify's staff rows (with E-Signet's refusals)
    ROOT / "integration" / "services" / "inbound.py",
    ROOT / "integration" / "services" / "verification.py",
    ROOT / "integration" / "services" / "esignet.py",
    ROOT / "integration" / "services" / "esignet_trust.py",
    ROOT / "integration" / "crypto" / "esignet_jose.py",
    # What staff actions, runs and MOSIP's workflow events leave for staff to read
    ROOT / "integration" / "services" / "staff_actions.py",
    ROOT / "integration" / "services" / "ownership.py",
    ROOT / "integration" / "services" / "bulk_jobs.py",
    ROOT / "integration" / "services" / "workflow_events.py",
    ROOT / "integration" / "services" / "retention.py",
    ROOT / "integration" / "services" / "reconciliation.py",
    ROOT / "integration" / "services" / "websub.py",
    # What intake refuses: OpenCRVS reads the English, staff the code
    ROOT / "integration" / "services" / "intake.py",
]
# Where a failure's words go: an error raised for a record, a failure, a stored reason.
REASON_CALLS = {"RemoteError", "DestinationRefused", "Failure", "MappingFailed"}
REASON_CALLS |= {"NothingToConfirm", "TokenRejected"}
REASON_CALLS |= {"CredentialRefused", "CredentialNotReadable", "CredentialForged"}
REASON_CALLS |= {
    "CredentialMalformed",
    "ProofUnavailable",
    "CredentialOutcome",
    "NoIdSchema",
    "NoOfficer",
}
REASON_CALLS |= {"TransformError"}
# VerificationError(...) alone is the answer to OpenCRVS's form (English); staff read check.fail
REASON_CALLS |= {"Handled", "_refused", "TokenRefused"}
REASON_CALLS |= {"NotReady", "WorkflowEventOutcome", "words_of"}
REASON_CALLS |= {"NotConfigured", "EventConflict"}
# progress.fail(record, move, step, reason) and retry_later(record, move, fail, step, reason);
# a move's failure, RecordFailure(reason, step, kind)
REASON_ARGUMENT = {"fail": 3, "retry_later": 4, "RecordFailure": 0}
REASON_KEYWORDS = {"last_error", "reason", "message"}


def unmarked_reasons(path: Path) -> list[str]:
    """ "line: text" of each literal with words that would be a failure reason: an argument
    of a reason call, a `last_error=` or a per-field problem (problems[...] = ...)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        shown: list[ast.expr] = []
        if isinstance(node, ast.Call) and _called(node) in REASON_CALLS:
            shown = [*node.args, *(k.value for k in node.keywords if k.arg in REASON_KEYWORDS)]
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "value", None) is not None
            and (getattr(node.func.value, "id", "") == "check")
        ):
            # A /verify row: check.fail(reason, ...), check.record(result, error_message=...)
            shown = node.args[:1] if _called(node) == "fail" else []
            shown += [
                k.value for k in node.keywords if k.arg in {*REASON_KEYWORDS, "error_message"}
            ]
        elif isinstance(node, ast.Call) and _called(node) in REASON_ARGUMENT:
            position = REASON_ARGUMENT[_called(node)]
            shown = node.args[position : position + 1]
            shown += [k.value for k in node.keywords if k.arg in REASON_KEYWORDS]
        elif isinstance(node, ast.Call):
            shown = [k.value for k in node.keywords if k.arg == "last_error"]
        elif isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Subscript) and getattr(t.value, "id", "") == "problems"
            for t in node.targets
        ):
            shown = [node.value]
        for argument in shown:
            if isinstance(argument, ast.Call) and _called(argument) == "Reason":
                continue  # a code of integration/reason_codes.py and its values
            found += [f"{node.lineno}: {text}" for text in _literal_words(argument)]
    return found


@pytest.mark.parametrize("path", FAILURE_MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_failure_reason_is_a_code_marked_for_translation(path):
    assert unmarked_reasons(path) == []


def test_the_reason_scan_finds_a_sentence_written_in_place(tmp_path):
    module = tmp_path / "failures.py"
    module.write_text(
        "def classify(exc, name, what):\n"
        '    problems[name] = f"{name} is not mapped"\n'
        '    raise RemoteError(f"{what} answered nothing", retriable=True)\n'
        '    raise RemoteError(Reason("remote_timeout", system=what), retriable=True)\n'
        '    move(record, "failed", last_error="Gave up")\n'
        '    fail(record, "delivery_failed", "create_packet", "MOSIP said no")\n'
        '    move(record, "token_expired", failure=RecordFailure("It expired", "confirm"))\n'
    )
    assert unmarked_reasons(module) == [
        "2:  is not mapped",
        "3:  answered nothing",
        "5: Gave up",
        "6: MOSIP said no",
        "7: It expired",
    ]


def test_the_reason_scan_finds_a_verification_row_written_in_place(tmp_path):
    module = tmp_path / "verification.py"
    module.write_text(
        "def verify(check, exc):\n"
        '    raise check.fail(f"The settings cannot be used: {exc}", 503)\n'
        '    check.record("failed", error_message="no name was given")\n'
        '    raise check.fail(Reason("ida_not_configured"), 503)\n'
        '    raise TokenRefused(f"the ID token has no {exc}")\n'
    )
    assert unmarked_reasons(module) == [
        "2: The settings cannot be used: ",
        "3: no name was given",
        "5: the ID token has no ",
    ]


# Columns staff read that a service writes: their words are a code stored beside them
# (`reason_code`, `message_code`, ...), never a literal, nor gettext at write time (the
# worker's language, not the reader's).
STORED_FIELDS = {"last_error", "error", "message", "request_error", "error_message"}
# An audit entry's "why" and "who": a person's words, or the portal's own as a code (a
# Reason passed to words_of(..., why=...)) and a msgid (StaffAction.why, .who).
STORED_FIELDS |= {"reason", "actor_name"}
STORING_CALLS = {"create", "update", "update_or_create", "get_or_create", "StaffAction"}


def sentences_stored(path: Path) -> list[str]:
    """ "line: text" of each sentence written into a column staff read: a keyword of a
    create/update call or an attribute assignment (`run.error = ...`)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        values: list[ast.expr] = []
        if isinstance(node, ast.Call) and _called(node) in STORING_CALLS:
            values = [k.value for k in node.keywords if k.arg in STORED_FIELDS]
        elif isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Attribute) and t.attr in STORED_FIELDS for t in node.targets
        ):
            values = [node.value]
        for value in values:
            found += [f"{node.lineno}: {text}" for text in _written(value)]
    return sorted(found, key=lambda line: int(line.split(":")[0]))


def _written(node: ast.AST):
    """The words an expression writes: literals, and any gettext call (the language of
    whoever runs it); a Reason(...) is a code and its values."""
    if isinstance(node, ast.Call) and _called(node) == "Reason":
        return
    if isinstance(node, ast.Call) and _called(node) in TRANSLATED:
        yield f"{_called(node)}(...) at write time"
        return
    if isinstance(node, ast.Constant):
        yield from _literal_words(node)
        return
    children = [node.value] if isinstance(node, ast.Subscript) else ast.iter_child_nodes(node)
    if isinstance(node, ast.Dict):
        children = [value for value in node.values if value is not None]
    for child in children:
        yield from _written(child)


WRITING_MODULES = sorted(
    path for path in (ROOT / "integration").rglob("*.py") if "migrations" not in path.parts
)


@pytest.mark.parametrize("path", WRITING_MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_sentence_is_stored_in_words(path):
    assert sentences_stored(path) == []


def test_the_stored_sentence_scan_finds_words_and_gettext_at_write_time(tmp_path):
    module = tmp_path / "runs.py"
    module.write_text(
        "def stop(run, exc, entry, n):\n"
        '    run.error = f"{exc}: stopped part-way"\n'
        '    run.error = _("Unexpected error: %(kind)s") % {"kind": exc}\n'
        '    StaffAction.objects.create(message=f"There is no record with id {n}.")\n'
        '    Sub.objects.filter(pk=1).update(request_error="")\n'
        '    entry.message = str(Reason("no_such_record", id=n))\n'
        '    StaffAction(reason=_("Listed by a run."), actor_name="Retention policy")\n'
        '    StaffAction(reason=f"{n} days after the record ended.")\n'
    )
    assert sentences_stored(module) == [
        "2: : stopped part-way",
        "3: _(...) at write time",
        "4: There is no record with id ",
        "7: _(...) at write time",
        "7: Retention policy",
        "8:  days after the record ended.",
    ]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_reason_code_is_in_the_compiled_catalogue(language):
    """Each code's sentence, and each system name a reason quotes, is translated in the
    .mo the portal reads (not only in the .po)."""
    from django.utils import translation

    from integration.reason_codes import REASONS, SYSTEM_NAMES

    mo = polib.mofile(str(ROOT / "locale" / language / "LC_MESSAGES" / "django.mo"))
    compiled = {entry.msgid for entry in mo if entry.msgstr}
    with translation.override("en"):
        wanted = {str(sentence) for sentence in REASONS.values()} | set(SYSTEM_NAMES)
    # A sentence made of values only reads the same in any language.
    wanted -= {"%(problems)s"}
    assert sorted(wanted - compiled) == []


def test_every_reason_code_has_a_sentence_marked_for_translation():
    """Each code's sentence is a gettext_lazy call on a literal (so it is extracted and
    translated), and every Reason(...) in the code names a code that exists."""
    tree = ast.parse(REASON_CODES.read_text())
    table = next(
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "REASONS"
    )
    codes = set()
    for key, value in zip(table.keys, table.values, strict=True):
        codes.add(key.value)
        marked = isinstance(value, ast.Call) and _called(value) in TRANSLATED
        assert marked and isinstance(value.args[0], ast.Constant), key.value
    used = set()
    for path in (ROOT / "integration").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and _called(node) == "Reason" and node.args:
                code = node.args[0]
                assert isinstance(code, ast.Constant), f"{path}:{node.lineno}"
                used.add(code.value)
    assert used and used <= codes, used - codes
