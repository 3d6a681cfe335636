"""Every deployment setting has one home, integration/app_settings.py: the README's table
and `.env.example` list exactly the variables declared there, with their defaults; the
settings module reads the environment only through it; code reads the portal's settings
from it, never from Django's settings by the variable's name (PORTAL_*, CONSOLE_*,
OIDC_*, BEHIND_TLS_PROXY, FIELD_ENCRYPTION_KEYS); and what it declares is what the portal does."""

import re
from pathlib import Path

from django.test import override_settings

from integration import app_settings
from integration.app_settings import declared, env_text, read
from integration.management.commands.settings_doc import (
    BEGIN,
    END,
    env_example,
    readme_table,
)

ROOT = Path(__file__).resolve().parents[2]
DECLARED = {setting.name: setting for setting in declared()}
REGENERATE = "run `manage.py settings_doc --write` after changing integration/app_settings.py"
# Allowed to read the Django settings the variables become: the home and the settings.
HOME = {"integration/app_settings.py", "portal/settings.py"}
THIS = Path(__file__).resolve().relative_to(ROOT).as_posix()
# The portal's own settings: PORTAL_*, and those set under their own name or renamed.
OWN = r"(?:PORTAL_|CONSOLE_|OIDC_|BEHIND_TLS_PROXY\b|FIELD_ENCRYPTION_KEYS\b)"
DIRECT_READ = re.compile(rf"(?<![\w.])settings\.{OWN}|getattr\(\s*settings\s*,\s*[\"']{OWN}")
# An assignment to the home's attribute sticks for the rest of the process (nothing puts it
# back, and code reading the Django setting never sees it): tests use `portal_settings`.
ASSIGNED_IN_HOME = re.compile(r"\bapp_settings\.[A-Z][A-Z0-9_]*\s*=(?!=)")


def readme_block() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return readme[readme.index(BEGIN) : readme.index(END) + len(END)]


def test_the_readme_table_lists_exactly_the_declared_variables_and_defaults():
    rows = re.findall(r"^\| `([A-Z0-9_]+)`[^|]*\| \w+ \| ([^|]*) \|", readme_block(), re.M)
    assert sorted(name for name, _ in rows) == sorted(DECLARED), REGENERATE
    for name, default in rows:
        setting = DECLARED[name]
        if setting.shown is None and env_text(setting.default):
            assert default == f"`{env_text(setting.default)}`", (name, REGENERATE)
    assert readme_block() == readme_table(), REGENERATE


def test_env_example_lists_exactly_the_declared_variables():
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    listed = re.findall(r"^(?:# )?([A-Z][A-Z0-9_]*)=", text, re.M)
    assert sorted(listed) == sorted(DECLARED), REGENERATE
    assert text == env_example(), REGENERATE


def test_no_module_outside_the_home_reads_portal_settings_directly():
    offenders = []
    # Tests and benchmarks too: they change a setting through tests' `portal_settings`.
    searched = ["integration", "portal", "tests", "bench", "demo", "mocks"]
    for path in sorted(p for folder in searched for p in ROOT.glob(f"{folder}/**/*.py")):
        name = path.relative_to(ROOT).as_posix()
        if name in HOME or name == THIS:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if DIRECT_READ.search(line) or ASSIGNED_IN_HOME.search(line):
                offenders.append(f"{name}:{number}: {line.strip()}")
    assert not offenders, "Read these through integration.app_settings:\n" + "\n".join(offenders)


def test_the_settings_module_reads_the_environment_only_through_the_home():
    text = (ROOT / "portal/settings.py").read_text(encoding="utf-8")
    assert not re.findall(r"\benv\.(?:str|int|float|bool|list|json)\(", text)
    assert "os.environ" not in text
    assert set(re.findall(r"\bread\(\s*\"([A-Z0-9_]+)\"", text)) <= set(DECLARED)


def test_gunicorn_reads_the_declared_defaults():
    """gunicorn's arbiter must not load Django, so its files read the environment
    themselves; their defaults are the declared ones."""
    found = {}
    for module in ("portal/gunicorn_conf.py", "portal/gunicorn_worker.py"):
        text = (ROOT / module).read_text(encoding="utf-8")
        found |= dict(re.findall(r"os\.environ\.get\(\"([A-Z_]+)\", \"([^\"]*)\"\)", text))
    assert found, "no os.environ.get(...) found in the gunicorn files"
    for name, default in found.items():
        assert name in DECLARED, f"{name} is read by gunicorn but not declared"
        assert default == env_text(DECLARED[name].default), name


def test_code_sees_the_environment_overrides_and_secret_files(
    monkeypatch, tmp_path, portal_settings
):
    # Typed from the environment, as declared.
    monkeypatch.setenv("PORTAL_LEASE_SECONDS", "4.5")
    monkeypatch.setenv("PORTAL_OUTBOUND_HOSTS", "mosip.example.org,*.opencrvs.example.org")
    assert read("PORTAL_LEASE_SECONDS") == 4.5
    assert read("PORTAL_OUTBOUND_HOSTS") == ["mosip.example.org", "*.opencrvs.example.org"]
    # A secret from its file, whitespace dropped.
    token = tmp_path / "metrics-token"
    token.write_text("s3cret\n")
    monkeypatch.setenv("PORTAL_METRICS_TOKEN_FILE", str(token))
    assert read("PORTAL_METRICS_TOKEN") == "s3cret"
    # Code reads the Django setting at each use: test overrides apply.
    with override_settings(PORTAL_STALE_CLAIM_SECONDS=7):
        assert app_settings.STALE_CLAIM_SECONDS == 7
    portal_settings.MAX_ATTEMPTS = 3  # pytest-django's settings, by the attribute's name
    assert app_settings.MAX_ATTEMPTS == 3


def test_unset_variables_give_the_declared_defaults(monkeypatch):
    for name in DECLARED:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(f"{name}_FILE", raising=False)
    for setting in DECLARED.values():
        if setting.shown is None:
            assert read(setting.name) == setting.default, setting.name
