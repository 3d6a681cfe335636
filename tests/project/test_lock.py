"""The lock files (`make lock`, .ci/lock) still fit pyproject.toml: every requirement is
pinned there at a version it accepts, every pin carries hashes (pip installs them with
--require-hashes), nothing is pinned that no requirement leads to, and the image and the
test virtualenv get the same versions. Read offline; CI also re-resolves them
(`.ci/lock --check`)."""

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
PIN = re.compile(r"^(?P<name>[A-Za-z0-9._-]+)==(?P<version>\S+)(?: ; (?P<marker>.+?))? \\$")
# Linux x86_64 and aarch64 with CPython 3.11, the platforms the image and CI run on.
PLATFORMS = [
    {"python_version": "3.11", "python_full_version": "3.11.13", "sys_platform": "linux",
     "platform_machine": machine, "implementation_name": "cpython",
     "platform_python_implementation": "CPython", "platform_system": "Linux"}
    for machine in ("x86_64", "aarch64")
]  # fmt: skip


def read_lock(name: str) -> dict[str, dict]:
    """name -> {version, hashes, via} for each pin of a lock file."""
    pins: dict[str, dict] = {}
    current = None
    for line in (ROOT / name).read_text().splitlines():
        if match := PIN.match(line):
            current = pins[canonicalize_name(match["name"])] = {
                "version": match["version"],
                "marker": match["marker"],
                "hashes": [],
                "via": [],
            }
        elif current and (hashed := re.match(r"^\s+--hash=(sha256:[0-9a-f]{64})", line)):
            current["hashes"].append(hashed[1])
        elif current and (via := re.match(r"^\s+#\s+(?:via\s+)?(\S.*)$", line)):
            if via[1] != "via":
                current["via"].append(via[1])
    return pins


RUNTIME = read_lock("requirements.lock")
TEST = read_lock("requirements-test.lock")


def requirements(group: str) -> list[Requirement]:
    if group == "runtime":
        texts = PROJECT["project"]["dependencies"]
    elif group == "test":
        texts = PROJECT["project"]["optional-dependencies"]["test"]
    else:
        texts = PROJECT["build-system"]["requires"]
    return [Requirement(text) for text in texts]


@pytest.mark.parametrize(
    "group, lock",
    [("runtime", "requirements.lock"), ("runtime", "requirements-test.lock"),
     ("test", "requirements-test.lock"), ("build", "requirements-test.lock")],
)  # fmt: skip
def test_every_requirement_is_pinned_at_a_version_it_accepts(group, lock):
    pins = read_lock(lock)
    for requirement in requirements(group):
        pin = pins.get(canonicalize_name(requirement.name))
        assert pin, f"{requirement} is not in {lock}: run `make lock`"
        assert requirement.specifier.contains(pin["version"], prereleases=True), (
            f"{lock} pins {requirement.name}=={pin['version']}, pyproject.toml asks "
            f"{requirement}: run `make lock`"
        )


def test_every_pin_carries_the_hashes_pip_checks():
    for name, pin in {**RUNTIME, **TEST}.items():
        assert pin["hashes"], f"{name} has no hash"


def test_the_image_and_the_tests_install_the_same_versions():
    for name, pin in RUNTIME.items():
        assert TEST[name]["version"] == pin["version"], name
        assert TEST[name]["hashes"] == pin["hashes"], name


def test_nothing_is_pinned_that_no_requirement_leads_to():
    """A dependency dropped from pyproject.toml leaves no pin behind: each pin comes from
    a current requirement, or from a pinned package that needs it."""
    roots = {canonicalize_name(r.name) for r in requirements("runtime") + requirements("test")}
    for lock, pins in (("requirements.lock", RUNTIME), ("requirements-test.lock", TEST)):
        for name, pin in pins.items():
            sources = [via for via in pin["via"] if not via.startswith("-c ")]
            assert sources, f"{lock}: nothing leads to {name}"
            for source in sources:
                if source.endswith("(pyproject.toml)"):
                    assert name in roots, f"{lock}: {name} is no longer a requirement"
                elif source.startswith("-r "):
                    assert source == "-r build-tools.in", f"{lock}: {name} from {source}"
                else:
                    assert canonicalize_name(source) in pins, f"{lock}: {name} via {source}"


def test_every_platform_we_run_on_gets_every_requirement():
    """The universal lock's pins for the portal's own requirements apply on Linux x86_64
    and aarch64 (none is left to another platform by its marker)."""
    for environment in PLATFORMS:
        for requirement in requirements("runtime"):
            pin = RUNTIME[canonicalize_name(requirement.name)]
            if pin["marker"]:
                marker = Requirement(f"x; {pin['marker']}").marker
                assert marker.evaluate(environment), (requirement.name, environment)
