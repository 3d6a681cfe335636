"""Paths to the shared fixtures beside the checkout (../shared, or PORTAL_SHARED_DIR)."""

import json
from pathlib import Path

from mocks.examples import birth_request, death_request
from mocks.paths import shared_dir

__all__ = ["birth_request", "death_request", "fixture_path", "load_json", "shared_dir"]


def fixture_path(*parts: str) -> Path:
    return shared_dir().joinpath("fixtures", *parts)


def load_json(*parts: str):
    return json.loads(fixture_path(*parts).read_text())
