"""Where the shared demo fixtures live: ``$PORTAL_SHARED_DIR`` or ``<repo>/../shared``."""

from __future__ import annotations

import os
from pathlib import Path

REPO_DIR = Path(__file__).resolve().parent.parent


def shared_dir() -> Path:
    return Path(os.environ.get("PORTAL_SHARED_DIR") or REPO_DIR.parent / "shared")


def certs_dir() -> Path:
    """The public demo key pair; never a production default."""
    return shared_dir() / "fixtures" / "certs"
