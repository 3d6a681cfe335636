"""The operator's runbook (docs/runbook/) stays true to what ships: a section for every
alert, and only commands and settings the portal has."""

import re
from pathlib import Path

import yaml
from django.core.management import get_commands

from integration import app_settings

ROOT = Path(__file__).resolve().parents[2]
RUNBOOK = ROOT / "docs" / "runbook"
PAGES = sorted(RUNBOOK.glob("*.md"))
COMMAND = re.compile(r"(?:manage\.py|bin/portal manage|run --rm web manage)\s+([a-z_]+)")
SETTING = re.compile(r"\b((?:PORTAL|DJANGO)_[A-Z0-9_]*[A-Z0-9])\b")
ANCHOR = re.compile(r"""<a\s+id=["']([\w-]+)["']""")


def runbook_text() -> str:
    return "\n".join(page.read_text(encoding="utf-8") for page in PAGES)


def shipped_alerts() -> list[str]:
    rules = yaml.safe_load((ROOT / "deploy" / "prometheus" / "alerts.yml").read_text())
    return [rule["alert"] for group in rules["groups"] for rule in group["rules"]]


def test_every_shipped_alert_has_its_section_and_every_section_an_alert():
    text = (RUNBOOK / "alerts.md").read_text(encoding="utf-8")
    sections = re.findall(r"^## (\w+)$", text, re.MULTILINE)
    anchors = set(ANCHOR.findall(text))
    alerts = shipped_alerts()
    assert sorted(sections) == sorted(alerts)
    assert all(alert.lower() in anchors for alert in alerts)
    for alert in alerts:  # each says what to check and what to do
        body = text.split(f"## {alert}\n", 1)[1].split("\n## ", 1)[0]
        assert "Check" in body and "Do" in body, alert


def test_every_command_the_runbook_and_release_notes_name_exists():
    named = set(COMMAND.findall(runbook_text() + (ROOT / "CHANGELOG.md").read_text()))
    assert {"rotate_encryption_keys", "subscribe_websub"} <= named
    missing = sorted(named - set(get_commands()))
    assert not missing, f"the runbook names commands the portal does not have: {missing}"


def test_every_setting_the_runbook_names_is_one_the_portal_or_its_deploy_files_read():
    sources = [ROOT / "bin" / "portal"]
    # The deployment's own variables (the stack's PORTAL_HOST, the image's PORTAL_IMAGE).
    sources += [ROOT / "compose.yaml", *sorted((ROOT / "deploy").glob("*/*.y*ml"))]
    read = "\n".join(path.read_text(encoding="utf-8") for path in sources)
    read += "\n".join(setting.name for setting in app_settings.declared())  # the settings' home
    # NAME_FILE is the file form of a secret setting NAME (portal/settings.py: secret()).
    named = {name.removesuffix("_FILE") for name in SETTING.findall(runbook_text())}
    missing = sorted(name for name in named if f'"{name}"' not in read and name not in read)
    assert not missing, f"the runbook names settings the portal does not read: {missing}"


def test_the_runbook_is_reachable_from_the_readme_and_lists_every_page():
    index = (RUNBOOK / "README.md").read_text(encoding="utf-8")
    assert all(f"({page.name})" in index for page in PAGES if page.name != "README.md")
    assert "docs/runbook/" in (ROOT / "README.md").read_text(encoding="utf-8")
    assert "runbook/README.md" in (ROOT / "docs" / "README.md").read_text(encoding="utf-8")
