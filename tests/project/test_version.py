"""The portal says which version it runs, from the one place it is written
(pyproject.toml), and the changelog has that version's release notes."""

import re
import tomllib
from pathlib import Path

import pytest

from integration.roles import Role
from integration.version import __version__
from tests.console.conftest import client_for, make_user

ROOT = Path(__file__).resolve().parents[2]
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]


def test_the_version_is_pyprojects_and_has_changed_since_the_first_release():
    assert __version__ == VERSION
    assert VERSION != "0.1.0"


def test_the_changelog_has_release_notes_for_this_version_as_its_newest_release():
    changelog = (ROOT / "CHANGELOG.md").read_text()
    releases = re.findall(r"^## \[(\d+\.\d+\.\d+)\] - \d{4}-\d{2}-\d{2}$", changelog, re.M)
    assert releases[0] == VERSION and "0.1.0" in releases
    notes = changelog.split(f"## [{VERSION}]")[1].split("\n## [")[0]
    assert "### Upgrade notes" in notes


@pytest.mark.django_db
def test_healthz_reports_the_version(client):
    assert client.get("/healthz").json()["version"] == VERSION


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "text"),
    [("en", f"Portal version {VERSION}"), ("fr", f"Version du portail {VERSION}")],
)
def test_the_consoles_footer_shows_the_version(language, text):
    client = client_for(make_user("sam", Role.SUPPORT))
    page = client.get("/console/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert text in page
