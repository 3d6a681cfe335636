"""Where the demo's files live: generated keys under ``var/`` (``$PORTAL_VAR_DIR``), the
people the stand-ins know in ``mocks/data``. Nothing outside the repository."""

from __future__ import annotations

import os
from pathlib import Path

from .demo_keys import ensure_demo_keys

REPO_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(__file__).resolve().parent / "data"


def var_dir() -> Path:
    return Path(os.environ.get("PORTAL_VAR_DIR") or REPO_DIR / "var")


def certs_dir() -> Path:
    """The demo key pair, generated on first use; never a production default."""
    return ensure_demo_keys(var_dir() / "demo-keys")


def identities_path() -> Path:
    """The people the stand-in IDA and E-Signet know."""
    return DATA_DIR / "mock-identities.json"
