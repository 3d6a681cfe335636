"""The README's go-live check, `bin/portal manage check --deploy`, reports every warning
the web process reports at start-up (`check --deploy --database default`): the portal's
own settings checks read the database, and Django gives them none unless asked."""

import subprocess
from pathlib import Path

from cryptography.fernet import Fernet
from django.conf import settings
from django.db import connection

from integration.fields import _keys
from integration.models import EsignetSettings, MosipSettings
from tests.support.environment import deployed_environment


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def check(*args: str) -> subprocess.CompletedProcess:
    env = {
        **deployed_environment(),
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DATABASE_URL": _database_url(),
        "PORTAL_DEMO": "false",
        "DJANGO_DEBUG": "false",
        # The keys the test process stored the secrets with.
        "DJANGO_SECRET_KEY": "x" * 20 + Fernet.generate_key().decode(),
        "PORTAL_FIELD_ENCRYPTION_KEYS": ",".join(_keys()),
        "DJANGO_ALLOWED_HOSTS": "portal.example.org",
        "PORTAL_BEHIND_TLS_PROXY": "true",
    }
    # This repository's entrypoint, fixed arguments, no shell.
    return subprocess.run(  # noqa: S603
        [str(Path(settings.BASE_DIR) / "bin" / "portal"), "manage", "check", *args],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def portal_warnings(output: str) -> list[str]:
    return sorted(word.rstrip(":)") for word in output.split() if word.startswith("(integration."))


def test_check_deploy_reports_what_the_web_process_reports(transactional_db):
    mosip = MosipSettings.load()
    mosip.verify_credential_proof = False  # W002; the WebSub secret stays empty: W001
    mosip.save()
    esignet = EsignetSettings.load()
    esignet.token_url = "https://esignet.example.org/v1/esignet/oauth/v2/token"
    esignet.save()  # and no key to check its answers with: W004

    go_live = check("--deploy", "--fail-level", "WARNING")
    at_start_up = check("--deploy", "--database", "default")

    expected = ["(integration.W001", "(integration.W002", "(integration.W004"]
    assert portal_warnings(at_start_up.stderr) == expected, at_start_up.stderr
    assert portal_warnings(go_live.stderr) == expected, go_live.stderr  # each once
    assert go_live.returncode != 0  # not "clean"

    esignet.jwks_url = "https://esignet.example.org/.well-known/jwks.json"
    esignet.save()
    mosip.verify_credential_proof, mosip.websub_secret = True, "a-websub-secret"
    mosip.save()
    clean = check("--deploy", "--fail-level", "WARNING")
    assert clean.returncode == 0, clean.stderr
    assert "no issues" in clean.stdout
