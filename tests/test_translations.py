"""Every text staff read is marked for translation, and every language is complete.

Two checks: (1) no template shows literal words outside {% translate %} or
{% blocktranslate %}; (2) the messages extracted now from the code and templates are all
in each committed catalogue, translated, not fuzzy, and compiled into its .mo."""

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
