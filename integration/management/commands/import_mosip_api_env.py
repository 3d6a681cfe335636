"""Fill the settings from the reference mosip-api's environment variables, so a country
migrates with one command: `manage.py import_mosip_api_env [--env-file .env]`."""

import json
import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from integration.crypto.keystore import KeystoreError, load_pkcs12
from integration.models import EsignetSettings, IdaSettings, MosipSettings, OpenCrvsSettings
from integration.models.settings import IdSchemaSource

# reference variable -> our MOSIP settings field
MOSIP_VARIABLES = {
    "MOSIP_AUTH_URL": "auth_url",
    "MOSIP_AUTH_CLIENT_APP_ID": "app_id",
    "MOSIP_PACKET_AUTH_CLIENT_ID": "packet_client_id",
    "MOSIP_PACKET_AUTH_CLIENT_SECRET": "packet_client_secret",
    "MOSIP_WEBSUB_AUTH_CLIENT_ID": "websub_client_id",
    "MOSIP_WEBSUB_AUTH_CLIENT_SECRET": "websub_client_secret",
    "MOSIP_CREATE_PACKET_URL": "create_packet_url",
    "MOSIP_PROCESS_PACKET_URL": "process_url",
    "MOSIP_CENTER_ID": "center_id",
    "MOSIP_MACHINE_ID": "machine_id",
    "MOSIP_SOURCE": "source",
    "MOSIP_BIRTH_PROCESS_TYPE": "birth_process",
    "MOSIP_DEATH_PROCESS_TYPE": "death_process",
    "MOSIP_SCHEMA_VERSION": "schema_version",
    "TRANSACTION_ID_PREFIX": "transaction_id_prefix",
    "MOSIP_WEBSUB_HUB_URL": "websub_hub_url",
    "MOSIP_WEBSUB_TOPIC": "websub_topic",
    "MOSIP_WEBSUB_CALLBACK_URL": "websub_callback_url",
    "MOSIP_WEBSUB_SECRET": "websub_secret",
    "DECRYPT_P12_FILE_PASSWORD": "credential_keystore_password",
    "MOSIP_VERIFIABLE_CREDENTIAL_NATIONAL_ID_KEY": "national_id_key",
}
OPENCRVS_VARIABLES = {
    "OPENCRVS_GATEWAY_URL": "gateway_url",
    "OPENCRVS_PUBLIC_KEY_URL": "public_key_url",
    # mosip-api 2.x: its OpenCRVS system client.
    "OPENCRVS_AUTH_URL": "auth_url",
    "OPENCRVS_CLIENT_ID": "client_id",
    "OPENCRVS_CLIENT_SECRET": "client_secret",
}
IDA_VARIABLES = {
    "IDA_AUTH_URL": "auth_url",
    "IDA_AUTH_DOMAIN_URI": "domain_uri",
    "PARTNER_ID": "partner_id",
    "PARTNER_MISP_LK": "misp_license_key",
    "PARTNER_APIKEY": "partner_api_key",
    "SIGN_P12_FILE_PASSWORD": "signing_keystore_password",
}
ESIGNET_VARIABLES = {
    "ESIGNET_TOKEN_URL": "token_url",
    "ESIGNET_USERINFO_URL": "userinfo_url",
    "ESIGNET_JWKS_URL": "jwks_url",
    "CLIENT_APP_URL": "client_app_url",
}
# Variables naming files. mosip-api opens them from its own folder, where its .env lives:
# a relative path in an env file is taken from that file's folder, not from ours.
PATH_VARIABLES = (
    "DECRYPT_P12_FILE_PATH",
    "SIGN_P12_FILE_PATH",
    "ENCRYPT_CERT_PATH",
    "OIDP_CLIENT_PRIVATE_KEY_PATH",
    "MOSIP_ID_SCHEMA_PATH",
)


class Command(BaseCommand):
    help = "Import settings from the reference mosip-api's environment variables."

    def add_arguments(self, parser):
        parser.add_argument("--env-file", type=Path, help="a .env file to read first")

    def handle(self, *args, env_file: Path | None = None, **options):
        values = dict(os.environ)
        if env_file:
            if not env_file.is_file():
                raise CommandError(f"{env_file} does not exist")
            values.update(resolve_paths(read_env_file(env_file), env_file.resolve().parent))
        mosip, opencrvs = MosipSettings.load(), OpenCrvsSettings.load()
        ida, esignet = IdaSettings.load(), EsignetSettings.load()
        imported = [
            *apply(mosip, MOSIP_VARIABLES, values),
            *apply(opencrvs, OPENCRVS_VARIABLES, values),
            *apply(ida, IDA_VARIABLES, values),
            *apply(esignet, ESIGNET_VARIABLES, values),
        ]
        imported += import_files(values, mosip, ida, esignet)
        if allowlist := values.get("MOSIP_VERIFIABLE_CREDENTIAL_ALLOWLIST"):
            mosip.verification_method_allowlist = [u.strip() for u in allowlist.split(",") if u]
            imported.append("MOSIP_VERIFIABLE_CREDENTIAL_ALLOWLIST")
        for settings_row in (mosip, opencrvs, ida, esignet):
            settings_row.save()
        if not imported:
            raise CommandError("none of the mosip-api environment variables is set")
        # Names only: the values include secrets.
        self.stdout.write(f"Imported {len(imported)} settings: {', '.join(sorted(imported))}")
        self.stdout.write(f"ID schema in force: {mosip.id_schema_summary()}")


def read_env_file(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            name, _, value = line.removeprefix("export ").partition("=")
            values[name.strip()] = value.strip().strip("'\"")
    return values


def resolve_paths(values: dict[str, str], folder: Path) -> dict[str, str]:
    """The file variables' relative paths, taken from `folder` (the env file's)."""
    for variable in PATH_VARIABLES:
        if values.get(variable) and not Path(values[variable]).expanduser().is_absolute():
            values[variable] = str(folder / values[variable])
    return values


def apply(target, variables: dict[str, str], values: dict[str, str]) -> list[str]:
    imported = []
    for variable, field in variables.items():
        if values.get(variable):
            setattr(target, field, values[variable])
            imported.append(variable)
    return imported


def read_file(values: dict[str, str], variable: str) -> bytes | None:
    if not values.get(variable):
        return None
    path = Path(values[variable]).expanduser()
    if not path.is_file():
        raise CommandError(f"{variable}: {path.resolve()} does not exist")
    return path.read_bytes()


def checked_keystore(data: bytes, password: str, variable: str, password_variable: str) -> bytes:
    try:
        load_pkcs12(data, password)
    except KeystoreError as exc:
        raise CommandError(f"{variable}: {exc} (check {password_variable})") from exc
    return data


def import_files(values, mosip, ida, esignet) -> list[str]:
    """The reference points at files; their contents move into the (encrypted) settings."""
    imported = []
    if (data := read_file(values, "DECRYPT_P12_FILE_PATH")) is not None:
        mosip.credential_keystore = checked_keystore(
            data,
            mosip.credential_keystore_password,
            "DECRYPT_P12_FILE_PATH",
            "DECRYPT_P12_FILE_PASSWORD",
        )
        imported.append("DECRYPT_P12_FILE_PATH")
    if (data := read_file(values, "SIGN_P12_FILE_PATH")) is not None:
        ida.signing_keystore = checked_keystore(
            data, ida.signing_keystore_password, "SIGN_P12_FILE_PATH", "SIGN_P12_FILE_PASSWORD"
        )
        imported.append("SIGN_P12_FILE_PATH")
    if (data := read_file(values, "ENCRYPT_CERT_PATH")) is not None:
        ida.encryption_certificate = data.decode()
        imported.append("ENCRYPT_CERT_PATH")
    if (data := read_file(values, "OIDP_CLIENT_PRIVATE_KEY_PATH")) is not None:
        esignet.client_private_jwk = data.decode().strip()
        imported.append("OIDP_CLIENT_PRIVATE_KEY_PATH")
    if (data := read_file(values, "MOSIP_ID_SCHEMA_PATH")) is not None:
        mosip.id_schema = json.loads(data)
        mosip.id_schema_source = IdSchemaSource.CUSTOM
        imported.append("MOSIP_ID_SCHEMA_PATH")
    return imported
