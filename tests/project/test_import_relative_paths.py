"""mosip-api's own .env names its keys relative to its folder (`./certs/keystore.p12`).
Imported from there, those paths are the env file's, not the portal's: the import runs
through `bin/portal manage`, which works from the portal's folder, as an operator runs it."""

import os
import shutil
import subprocess
from pathlib import Path

from django.conf import settings
from django.db import connection

from integration.models import IdaSettings, MosipSettings
from tests.fixtures import fixture_path


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def import_env(env_file: Path) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": _database_url(),
    }
    # This repository's entrypoint, fixed arguments, no shell.
    return subprocess.run(  # noqa: S603
        [str(Path(settings.BASE_DIR) / "bin" / "portal"), "manage", "import_mosip_api_env",
         "--env-file", str(env_file)],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def mosip_api_folder(root: Path) -> Path:
    """A checkout of mosip-api as a country runs it: .env beside certs/."""
    folder = root / "mosip-api"
    (folder / "certs").mkdir(parents=True)
    shutil.copy(fixture_path("certs", "keystore.p12"), folder / "certs" / "keystore.p12")
    shutil.copy(fixture_path("certs", "ida-partner.crt"), folder / "certs" / "ida-partner.crt")
    return folder


def test_relative_key_paths_are_taken_from_the_env_files_folder(transactional_db, tmp_path):
    folder = mosip_api_folder(tmp_path)
    (folder / ".env").write_text(
        "MOSIP_AUTH_URL=http://mosip.example/v1/authmanager/authenticate/clientidsecretkey\n"
        "DECRYPT_P12_FILE_PATH=./certs/keystore.p12\n"
        "DECRYPT_P12_FILE_PASSWORD=mosip123\n"
        "ENCRYPT_CERT_PATH=certs/ida-partner.crt\n"
    )

    result = import_env(folder / ".env")

    assert result.returncode == 0, result.stderr
    assert "DECRYPT_P12_FILE_PATH" in result.stdout and "ENCRYPT_CERT_PATH" in result.stdout
    row = MosipSettings.objects.get(pk=1)
    assert row.credential_keystore == (folder / "certs" / "keystore.p12").read_bytes()
    ida = IdaSettings.objects.get(pk=1)
    assert ida.encryption_certificate == (folder / "certs" / "ida-partner.crt").read_text()


def test_a_missing_key_file_is_named_where_it_was_looked_for(transactional_db, tmp_path):
    folder = mosip_api_folder(tmp_path)
    (folder / ".env").write_text("DECRYPT_P12_FILE_PATH=./certs/missing.p12\n")

    result = import_env(folder / ".env")

    assert result.returncode != 0
    assert f"DECRYPT_P12_FILE_PATH: {folder / 'certs' / 'missing.p12'} does not exist" in (
        result.stderr
    )
