"""``python -m mocks``: run the MOSIP and OpenCRVS stand-ins until Ctrl-C (for the demo).

Faults can be changed while running: ``curl -X POST <url>/_control -d '{"down": true}'``.
A single-record token for the demo: ``curl -X POST <opencrvs>/_test/token -d '{}'``.
"""

from __future__ import annotations

import argparse
import os
import threading
from pathlib import Path

from .base import Controls
from .mosip import PROOF_KINDS, MosipStandIn
from .opencrvs import SYSTEM_CLIENT, OpenCrvsStandIn
from .paths import certs_dir


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m mocks",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--mosip-port", type=int, default=20240)
    parser.add_argument("--opencrvs-port", type=int, default=20250)
    parser.add_argument(
        "--mosip-public-url",
        help="base URL put in credentials, if MOSIP is reached by another name",
    )
    parser.add_argument(
        "--certs-dir", type=Path, help="demo keys (default: var/demo-keys, generated on first use)"
    )
    parser.add_argument(
        "--credential-delay",
        type=float,
        default=2.0,
        help="seconds between a workflow start and the credential callback",
    )
    parser.add_argument("--token-ttl", type=int, default=3600, help="MOSIP token lifetime")
    parser.add_argument(
        "--zero-thumbprint",
        action="store_true",
        help="write a zero certificate thumbprint, as the reference mock does",
    )
    parser.add_argument(
        "--proof",
        choices=PROOF_KINDS,
        default="PS256",
        help="how credentials are signed: URDNA2015 RsaSignature2018 PS256 (as "
        "MOSIP) or RS256, URDNA2015 Ed25519Signature2020, or JCS (as "
        "OpenCRVS's MOSIP mock)",
    )
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added per request")
    parser.add_argument(
        "--error-rate", type=float, default=0.0, help="fraction of requests answered 503"
    )
    parser.add_argument("--down", action="store_true", help="answer 503 to everything")
    parser.add_argument(
        "--duplicate-callbacks", action="store_true", help="MOSIP delivers each credential twice"
    )
    parser.add_argument("--verbose", action="store_true", help="log every request")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    certs = args.certs_dir or certs_dir()

    def controls() -> Controls:  # one each, so faults can be set per stand-in
        return Controls(
            latency_seconds=args.latency,
            error_rate=args.error_rate,
            down=args.down,
            duplicate_callbacks=args.duplicate_callbacks,
        )

    mosip = MosipStandIn(
        signing_key_pem_path=certs / "mock-only-private-key.pem",
        partner_cert_path=certs / "ida-partner.crt",
        credential_delay_seconds=args.credential_delay,
        token_ttl_seconds=args.token_ttl,
        zero_thumbprint=args.zero_thumbprint,
        public_url=args.mosip_public_url,
        proof=args.proof,
        controls=controls(),
        quiet=not args.verbose,
    )
    opencrvs = OpenCrvsStandIn(controls=controls(), quiet=not args.verbose)
    mosip_url = mosip.start(args.host, args.mosip_port)
    opencrvs_url = opencrvs.start(args.host, args.opencrvs_port)
    print(f"MOSIP stand-in     {mosip_url}  (clients: {', '.join(mosip.client_secrets)})")
    print(f"  public key       {mosip.verification_method_url}  ({args.proof} proofs)")
    print(f"OpenCRVS stand-in  {opencrvs_url}  (public key: {opencrvs_url}/.well-known)")
    print(f"  system client    {SYSTEM_CLIENT[0]} (tokens: POST {opencrvs_url}/token)")
    print(f"certs              {certs}  (pid {os.getpid()}; Ctrl-C to stop)", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        mosip.stop()
        opencrvs.stop()


if __name__ == "__main__":
    main()
