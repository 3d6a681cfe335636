"""``python -m portal.healthcheck``: exit 0 when the web process on this host answers
``/healthz`` with 200 (the container's HEALTHCHECK and the smoke run use it).

It asks as the TLS proxy would: with a host the portal accepts (the first of
``DJANGO_ALLOWED_HOSTS``) and ``X-Forwarded-Proto: https``, so neither the host check
nor the HTTPS redirect gets in the way.
"""

import os
import sys
import urllib.error
import urllib.request
from pathlib import Path

import environ


def main() -> int:
    # The same settings as the web process: the environment, then the .env file.
    environ.Env.read_env(Path(__file__).resolve().parent.parent / ".env", overwrite=False)
    bind = os.environ.get("PORTAL_BIND", "127.0.0.1:8000")
    port = bind.rsplit(":", 1)[-1]
    hosts = [h for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(",") if h.strip()]
    host = next((h.strip() for h in hosts if h.strip() not in {"*"} and h[0] != "."), "localhost")
    request = urllib.request.Request(  # noqa: S310 - a fixed http URL on loopback
        f"http://127.0.0.1:{port}/healthz",
        headers={"Host": host, "X-Forwarded-Proto": "https"},
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as reply:  # noqa: S310
            print(reply.read(200).decode(errors="replace"))
            return 0
    except (urllib.error.URLError, OSError) as exc:
        print(f"unhealthy: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
