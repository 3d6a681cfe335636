"""The README's table of environment variables and `.env.example`, written from the
declarations in integration/app_settings.py: `manage.py settings_doc` prints both,
`--write` puts them in place. tests/project/test_settings_home.py fails when they differ."""

import textwrap
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from integration import app_settings
from integration.app_settings import Setting, declared, env_text

BEGIN = "<!-- settings table, written by manage.py settings_doc --write -->"
END = "<!-- end of settings table -->"

ENV_EXAMPLE_HEAD = """\
# Copy to .env (read at start-up) or set in the environment. Unset values fall back to
# the embedded demo defaults: SQLite under var/ and a folder-based Celery broker.
# Written by `manage.py settings_doc --write` from integration/app_settings.py (edit there);
# README "Environment variables" has the same list as a table.
# django-environ expands values starting with "$": write a literal one as '\\$...'.
# Each variable marked "or NAME_FILE" can instead be read from a file (Docker or
# Kubernetes secrets): DJANGO_SECRET_KEY_FILE=/run/secrets/portal_django_secret_key
"""


def _type(setting: Setting) -> str:
    return "list" if setting.kind is list else setting.kind.__name__


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def readme_table() -> str:
    """The README's block, markers included."""
    lines = [BEGIN]
    for group in app_settings.GROUPS:
        lines += ["", f"**{group.__doc__}**", ""]
        lines += ["| variable | type | default | what |", "| --- | --- | --- | --- |"]
        for setting in declared(group):
            name = f"`{setting.name}`" + (" (or `_FILE`)" if setting.secret else "")
            if setting.shown is not None:
                default = f"*{setting.shown}*"
            elif env_text(setting.default):
                default = f"`{env_text(setting.default)}`"
            else:
                default = "*empty*"
            lines.append(f"| {name} | {_type(setting)} | {_cell(default)} | {_cell(setting.doc)} |")
    lines += ["", END]
    return "\n".join(lines)


def env_example() -> str:
    """The whole of .env.example: a variable with an example is set, the others are
    commented out at their default."""
    lines = [ENV_EXAMPLE_HEAD.rstrip("\n")]
    for group in app_settings.GROUPS:
        lines += ["", f"# --- {group.__doc__} ---"]
        for setting in declared(group):
            notes = [f"default: {setting.shown}"] if setting.shown is not None else []
            if setting.secret:
                notes.append(f"or {setting.name}_FILE")
            doc = setting.doc.rstrip(".") + (f" ({'; '.join(notes)})." if notes else ".")
            lines += textwrap.wrap(doc, 88, initial_indent="# ", subsequent_indent="# ")
            if setting.example is None:
                assert setting.shown is None, f"{setting.name}: give an example value"
                lines.append(f"# {setting.name}={env_text(setting.default)}")
            else:
                mark = "# " if setting.commented else ""
                lines.append(f"{mark}{setting.name}={setting.example}")
    return "\n".join(lines) + "\n"


def readme_with_table(readme: str) -> str:
    """The README with its block replaced by the current one."""
    start, end = readme.index(BEGIN), readme.index(END) + len(END)
    return readme[:start] + readme_table() + readme[end:]


class Command(BaseCommand):
    help = "Print (or --write) the README's settings table and .env.example."

    def add_arguments(self, parser):
        parser.add_argument(
            "--write", action="store_true", help="rewrite README.md's table and .env.example"
        )

    def handle(self, *args, write: bool = False, **options):
        root = Path(settings.BASE_DIR)
        if not write:
            self.stdout.write(readme_table() + "\n\n" + env_example())
            return
        readme = root / "README.md"
        readme.write_text(readme_with_table(readme.read_text(encoding="utf-8")), encoding="utf-8")
        (root / ".env.example").write_text(env_example(), encoding="utf-8")
        self.stdout.write("README.md (settings table) and .env.example written")
