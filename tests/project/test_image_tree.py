"""The image holds what the code reads at run time. There is no Docker engine here, so the
image's file tree is built the way `docker build` would: the runtime stage's `COPY`
lines of the Dockerfile, from the checkout minus what .dockerignore leaves out, into a
temporary folder. The portal then runs from that tree alone, with this virtualenv's
Python standing in for the image's (same locked packages): migrations, `check`,
collectstatic as the Dockerfile runs it, and gunicorn serving the console in French."""

import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[2]
IMAGE_PYTHON = "/opt/venv/bin/python"


def instructions(dockerfile: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    result, pending = [], ""
    for line in dockerfile.splitlines():
        if line.lstrip().startswith("#"):
            continue
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        pending += line
        if pending.strip():
            keyword, _, arguments = pending.strip().partition(" ")
            result.append((keyword.upper(), arguments.strip()))
        pending = ""
    return result


def final_stage(dockerfile: str) -> list[tuple[str, str]]:
    steps = instructions(dockerfile)
    last_from = max(i for i, (keyword, _) in enumerate(steps) if keyword == "FROM")
    return steps[last_from + 1 :]


def ignore_pattern(pattern: str) -> re.Pattern:
    """A .dockerignore pattern as Docker matches it (Go's filepath.Match, plus `**`)."""
    pattern = os.path.normpath(pattern).lstrip("/")
    regex, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            regex, i = regex + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            regex, i = regex + ".*", i + 2
        elif pattern[i] == "*":
            regex, i = regex + "[^/]*", i + 1
        elif pattern[i] == "?":
            regex, i = regex + "[^/]", i + 1
        elif pattern[i] == "[":
            end = pattern.index("]", i)
            regex, i = regex + pattern[i : end + 1], end + 1
        else:
            regex, i = regex + re.escape(pattern[i]), i + 1
    return re.compile(regex)


def dockerignore() -> list[tuple[bool, re.Pattern]]:
    rules = []
    for line in (ROOT / ".dockerignore").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keep = line.startswith("!")
            rules.append((keep, ignore_pattern(line.lstrip("!").strip())))
    return rules


def left_out(relative: str, rules: list[tuple[bool, re.Pattern]]) -> bool:
    """The last rule matching the path or one of its folders decides, as in Docker."""
    parts = relative.split("/")
    candidates = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    excluded = False
    for keep, pattern in rules:
        if any(pattern.fullmatch(candidate) for candidate in candidates):
            excluded = not keep
    return excluded


def build_tree(target: Path) -> dict[str, str]:
    """The runtime stage's files under `target` (image path /x at target/x); returns the
    stage's ENV."""
    rules = dockerignore()
    workdir, env = "/", {}
    for keyword, arguments in final_stage((ROOT / "Dockerfile").read_text()):
        if keyword == "WORKDIR":
            workdir = os.path.join(workdir, arguments)
        elif keyword == "ENV":
            env.update(part.split("=", 1) for part in shlex.split(arguments))
        elif keyword in {"COPY", "ADD"}:
            words = shlex.split(arguments)
            if any(word.startswith("--from") for word in words):
                continue  # the build stage's virtualenv: this test's own stands in
            *sources, destination = [word for word in words if not word.startswith("--")]
            destination = os.path.join(workdir, destination)
            for source in sources:
                assert (ROOT / source).exists(), f"COPY {source}: not in the checkout"
                copy_into(ROOT / source, target, destination, len(sources) > 1, rules)
    return env


def copy_into(source: Path, target: Path, destination: str, several: bool, rules) -> None:
    files = [source] if source.is_file() else sorted(p for p in source.rglob("*") if p.is_file())
    for path in files:
        relative = path.relative_to(ROOT).as_posix()
        if left_out(relative, rules):
            continue
        if source.is_dir():
            image_path = os.path.join(destination, path.relative_to(source).as_posix())
        elif several or destination.endswith("/"):
            image_path = os.path.join(destination, path.name)
        else:
            image_path = destination
        copied = target / image_path.lstrip("/")
        copied.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, copied)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def image(tmp_path_factory) -> Iterator[tuple[Path, dict[str, str]]]:
    """The image's tree and the environment its container would run with."""
    root = tmp_path_factory.mktemp("image")
    stage_env = build_tree(root)
    environment = {"PATH": os.environ["PATH"], "HOME": str(root), "LANG": "C.UTF-8"}
    for name, value in stage_env.items():
        if name == "PATH":
            continue
        if value == IMAGE_PYTHON:
            value = sys.executable
        elif value.startswith("/"):
            value = str(root / value.lstrip("/"))
        environment[name] = value
    (root / "var/lib/portal").mkdir(parents=True, exist_ok=True)
    environment.update(
        DJANGO_SETTINGS_MODULE="portal.settings",
        DJANGO_SECRET_KEY="image-tree-" + Fernet.generate_key().decode(),
        PORTAL_FIELD_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        DJANGO_ALLOWED_HOSTS="portal.example.org",
        PORTAL_BEHIND_TLS_PROXY="true",
        DATABASE_URL=f"sqlite:///{root / 'var/lib/portal/portal.sqlite3'}",
        PORTAL_BIND=f"127.0.0.1:{free_port()}",
        WEB_CONCURRENCY="1",
        PORTAL_LOG_FORMAT="plain",
    )
    yield root, environment


def portal(image, *args: str, timeout: float = 180) -> subprocess.CompletedProcess:
    root, environment = image
    # bin/portal from the image's tree, as its ENTRYPOINT runs it.
    return subprocess.run(  # noqa: S603
        [str(root / "app/bin/portal"), *args],
        cwd=root / "app",
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_the_image_leaves_out_what_is_not_the_portal(image):
    root, _ = image
    app = root / "app"
    assert (app / "manage.py").is_file() and (app / "bin/portal").is_file()
    assert (app / "locale/fr/LC_MESSAGES/django.mo").is_file()
    for absent in ("tests", "bench", "mocks", ".env", ".git", ".venv", "var"):
        assert not (app / absent).exists(), absent
    assert not list(app.rglob("__pycache__"))
    assert not list(app.rglob("*.pyc"))


def test_management_commands_run_from_the_image_alone(image):
    root, _ = image
    where = portal(
        image, "manage", "shell", "-c",
        "from django.conf import settings; import integration; "
        "print('BASE', settings.BASE_DIR, integration.__file__)",
    )  # fmt: skip
    assert where.returncode == 0, where.stderr
    _, base_dir, package = next(
        line.split() for line in where.stdout.splitlines() if line.startswith("BASE ")
    )
    assert Path(base_dir) == root / "app"  # the tree's code, not the checkout's
    assert Path(package).is_relative_to(root / "app")

    migrated = portal(image, "migrate")
    assert migrated.returncode == 0, migrated.stderr
    checked = portal(image, "manage", "check", "--deploy", "--database", "default")
    assert checked.returncode == 0, checked.stderr
    assert "System check identified" in checked.stdout + checked.stderr


def test_the_image_serves_the_console_in_french_with_its_styles(image):
    root, environment = image
    # The Dockerfile collects the static files at build time, with throw-away settings.
    collected = portal(image, "collectstatic")
    assert collected.returncode == 0, collected.stderr
    if not (root / "var/lib/portal/portal.sqlite3").exists():
        assert portal(image, "migrate").returncode == 0

    log = (root / "web.log").open("w")
    web = subprocess.Popen(  # noqa: S603 - the image's entrypoint, no shell
        [str(root / "app/bin/portal"), "web"],
        cwd=root / "app",
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://{environment['PORTAL_BIND']}"
    proxied = {"Host": "portal.example.org", "X-Forwarded-Proto": "https"}
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if requests.get(f"{base}/healthz", headers=proxied, timeout=5).ok:
                    break
            except requests.ConnectionError:
                pass
            assert web.poll() is None, (root / "web.log").read_text()
            assert time.monotonic() < deadline, (root / "web.log").read_text()
            time.sleep(0.5)

        french = requests.get(
            f"{base}/console/login/", headers={**proxied, "Accept-Language": "fr"}, timeout=10
        )
        assert french.status_code == 200
        assert '<html lang="fr">' in french.text
        assert "Connexion" in french.text and "Mot de passe" in french.text
        english = requests.get(
            f"{base}/console/login/", headers={**proxied, "Accept-Language": "en"}, timeout=10
        )
        assert "Sign in" in english.text and "Mot de passe" not in english.text

        stylesheets = re.findall(r'href="(/static/[^"]+\.css)"', french.text)
        assert stylesheets
        for sheet in stylesheets:
            served = requests.get(f"{base}{sheet}", headers=proxied, timeout=10)
            assert served.status_code == 200 and "text/css" in served.headers["Content-Type"]
    finally:
        web.terminate()
        web.wait(timeout=30)
        log.close()
