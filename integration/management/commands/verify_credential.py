"""Check one decrypted credential as the WebSub callback would: its proof suite, the
allowlist and the claims its signature covers. Operators use it on a real credential
before go-live.

    manage.py verify_credential vc.json [--trust key.json ...] [--contexts contexts.json]

Prints ``valid`` and the signed claims (exit 0) or ``invalid: <reason>`` (exit 1).
"""

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from integration.crypto.vc_proof import ProofError
from integration.models import MosipSettings
from integration.services.credential import CredentialRefused, signed_vid
from integration.services.credential_proof import ProofUnavailable, check_proof, trust_from_settings


def _json_file(path: Path, what: str) -> Any:
    try:
        return json.loads(path.read_text())
    except OSError as exc:
        raise CommandError(f"{what} {path}: {exc.strerror}") from exc
    except ValueError as exc:
        raise CommandError(f"{what} {path} is not JSON: {exc}") from exc


class Command(BaseCommand):
    help = "Check a credential JSON file's proof as the credential callback would."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="the decrypted credential (JSON)")
        parser.add_argument(
            "--trust",
            type=Path,
            action="append",
            default=[],
            metavar="KEYDOC",
            help="a key document (id = verification method; publicKeyPem, publicKeyJwk or "
            "publicKeyMultibase) or a DID document; its methods count as allowlisted",
        )
        parser.add_argument(
            "--contexts",
            type=Path,
            metavar="MAP.json",
            help="a JSON object mapping context URLs to files (relative to MAP.json); "
            "nothing is fetched for those URLs",
        )

    def handle(self, *args, file: Path, trust: list[Path], contexts: Path | None, **options):
        credential = _json_file(file, "credential")
        if not isinstance(credential, dict):
            raise CommandError(f"credential {file} is not a JSON object")
        config = MosipSettings.load()
        checked = trust_from_settings(config)
        for path in trust:
            document = _json_file(path, "key document")
            if not isinstance(document, dict) or not checked.add_key_document(document):
                raise CommandError(f"key document {path} defines no verification method key")
        if contexts is not None:
            mapping = _json_file(contexts, "context map")
            if not isinstance(mapping, dict):
                raise CommandError(f"context map {contexts} is not a JSON object")
            for url, name in mapping.items():
                checked.contexts[url] = _json_file(contexts.parent / str(name), "context")
        try:
            claims = check_proof(credential, checked)
            signed_vid(credential, claims, config.national_id_key or "VID")
        except (ProofError, ProofUnavailable, CredentialRefused) as exc:
            self.stdout.write(f"invalid: {exc}")
            sys.exit(1)
        self.stdout.write("valid")
        self.stdout.write("claims covered by the signature:")
        self.stdout.write(json.dumps(claims, indent=2, ensure_ascii=False))
