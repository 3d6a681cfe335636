"""The documentation lives in the repository and stays true to it.

- Nothing points outside the repository: no reference to the team's PROTOCOLS or
  ARCHITECTURE notes or to the folder beside the checkout (a clone alone has neither).
- Every `docs/....md` a file names exists, and so does the `#anchor` it names.
- Links between the docs resolve, and every repository path the docs name exists, so a
  file moved without its docs fails here instead of misleading a newcomer.
- The state machine in docs/architecture.md names every state and every move of
  `integration.services.lifecycle`.
"""

import re
import shutil
import subprocess
from functools import cache
from pathlib import Path

from integration.models import Status
from integration.services.lifecycle import MOVES

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
THIS = Path(__file__).resolve().relative_to(ROOT).as_posix()
GIT = shutil.which("git") or "git"

# Written in pieces so that this file does not match its own patterns.
OUTSIDE = re.compile(
    r"PROTOCOLS(\.md|\s*\(|\s*§)"
    r"|ARCHITECTURE\.md"
    r"|\.\./" + "shared" + r"\b"
    r"|/work/" + r"(shared|\.mirror)"  # this machine's folders beside the checkout
    r"|\b" + "shared" + r"/(fixtures|hooks|PROTOCOLS|ARCHITECTURE)"
    r"|PORTAL_" + "SHARED" + r"_DIR"
)
# .ci/run's guard names the folder in order to refuse it.
ALLOWED_TO_NAME_IT = {THIS, ".ci/run"}

DOC_REFERENCE = re.compile(r"(?<![\w/.-])(docs/(?:[\w-]+/)*[\w-]+\.md)(?:#([\w-]+))?")
MARKDOWN_LINK = re.compile(r"\]\(([^)\s]+)\)")
# Paths of this repository as the docs name them (`integration/services/intake.py`).
REPOSITORY_PATH = re.compile(
    r"(?<![\w/.@-])((?:integration|portal|mocks|tests|bench|bin|deploy|docs|locale|templates"
    r"|static)/[\w./-]*)"
)
ANCHOR = re.compile(r"""<a\s+(?:id|name)=["']([\w-]+)["']""")


def repository_files() -> list[str]:
    """The files git tracks (what a clone of the repository holds)."""
    listed = subprocess.run(  # noqa: S603 - a fixed git command on this checkout
        [GIT, "ls-files"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    return [name for name in listed if (ROOT / name).is_file()]


def text_of(name: str) -> str | None:
    try:
        return (ROOT / name).read_text(encoding="utf-8")
    except (UnicodeDecodeError, OSError):
        return None  # binary (keystores, compiled translations)


def text_files() -> dict[str, str]:
    found = {name: text_of(name) for name in repository_files()}
    return {name: text for name, text in found.items() if text is not None}


def heading_slug(heading: str) -> str:
    """The anchor GitHub gives a Markdown heading."""
    words = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return words.replace(" ", "-")


@cache
def anchors_of(doc: Path) -> frozenset[str]:
    text = doc.read_text(encoding="utf-8")
    explicit = set(ANCHOR.findall(text))
    headings = {heading_slug(h) for h in re.findall(r"^#+\s+(.+)$", text, re.MULTILINE)}
    return frozenset(explicit | headings)


def docs_files() -> list[Path]:
    return sorted(DOCS.glob("**/*.md"))


def test_nothing_points_outside_the_repository():
    offenders = [
        f"{name}:{text.count(chr(10), 0, match.start()) + 1}: {match.group(0)}"
        for name, text in text_files().items()
        if name not in ALLOWED_TO_NAME_IT
        for match in OUTSIDE.finditer(text)
    ]
    assert not offenders, (
        "These refer to files outside the repository; point them at docs/ instead "
        "(docs/protocols.md for the wire formats):\n" + "\n".join(offenders)
    )


def test_every_docs_page_named_exists_with_its_anchor():
    missing = []
    for name, text in text_files().items():
        for match in DOC_REFERENCE.finditer(text):
            page, anchor = ROOT / match.group(1), match.group(2)
            if not page.is_file():
                missing.append(f"{name}: {match.group(1)} does not exist")
            elif anchor and anchor not in anchors_of(page):
                missing.append(f"{name}: {match.group(1)} has no anchor #{anchor}")
    assert not missing, "\n".join(missing)


def test_links_between_the_docs_resolve():
    broken = []
    for doc in [*docs_files(), ROOT / "README.md"]:
        for target in MARKDOWN_LINK.findall(doc.read_text(encoding="utf-8")):
            if re.match(r"[a-z]+:", target):
                continue  # https:, mailto:
            path, _, anchor = target.partition("#")
            page = (doc.parent / path).resolve() if path else doc
            where = doc.relative_to(ROOT)
            if not page.exists():
                broken.append(f"{where}: {target} (no such file)")
            elif anchor and page.suffix == ".md" and anchor not in anchors_of(page):
                broken.append(f"{where}: {target} (no such anchor)")
    assert not broken, "\n".join(broken)


def test_every_repository_path_the_docs_name_exists():
    stale = []
    for doc in docs_files():
        for path in REPOSITORY_PATH.findall(doc.read_text(encoding="utf-8")):
            path = path.split("::")[0].rstrip(".,;:")
            if any(mark in path for mark in "*<{"):
                continue  # a pattern, not a file
            if not (ROOT / path).exists():
                stale.append(f"{doc.relative_to(ROOT)}: {path}")
    assert not stale, "The docs name paths that no longer exist:\n" + "\n".join(stale)


def test_the_architecture_names_every_state_and_move():
    text = (DOCS / "architecture.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`([a-z_]+)`", text))
    missing = [f"move {name}" for name in MOVES if name not in named]
    missing += [f"state {value}" for value in Status.values if value not in named]
    assert not missing, (
        "docs/architecture.md's state machine lacks (add them where lifecycle.MOVES "
        "declares them): " + ", ".join(missing)
    )


def test_the_checks_catch_what_they_are_for(tmp_path):
    """The patterns above match the references they exist to refuse."""
    assert OUTSIDE.search("see PROTOCOLS" + ".md (5)")
    assert OUTSIDE.search("PROTOCOLS (1)")
    assert OUTSIDE.search("open ../" + "shared" + "/fixtures/wire")
    assert OUTSIDE.search("read /work/" + ".mirror/opencrvs+mosip/repo")
    assert not OUTSIDE.search("a cache shared by all workers")
    assert DOC_REFERENCE.search("(docs/protocols.md#credential-issued)").groups() == (
        "docs/protocols.md",
        "credential-issued",
    )
    assert not DOC_REFERENCE.search("opencrvs/mosip's docs/example-certs/ folder")
    assert heading_slug("(5) MOSIP to the portal: CREDENTIAL_ISSUED") == (
        "5-mosip-to-the-portal-credential_issued"
    )
