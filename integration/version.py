"""The portal's version, as pyproject.toml states it (the one place it is written).

Read from pyproject.toml beside the code, which the image copies too, so a source tree, an
editable install and the image all report the version of the code they run; an install
from a wheel, which has no pyproject.toml, reports the version it was built with.
"""

import tomllib
from importlib import metadata
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"


def _version() -> str:
    try:
        with PYPROJECT.open("rb") as file:
            return tomllib.load(file)["project"]["version"]
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        try:
            return metadata.version("opencrvs-mosip-portal")
        except metadata.PackageNotFoundError:
            return "unknown"


__version__ = _version()
