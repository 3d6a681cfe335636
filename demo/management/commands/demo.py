"""`manage.py demo`: the portal, a Celery worker with beat, and the stand-in MOSIP and
OpenCRVS servers, on the embedded defaults (SQLite, folder broker): nothing to install.

Uses demo keys generated into var/demo-keys: never a production setup.
The portal is served by gunicorn, as in production.
"""

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from demo.stand_ins import configure_for_stand_ins
from integration.models import MappingProfile, OpenCrvsSettings
from mocks.examples import birth_request
from mocks.mosip import MosipStandIn
from mocks.oidc import PEOPLE, OidcStandIn
from mocks.opencrvs import SYSTEM_CLIENT, OpenCrvsStandIn

# The stand-ins sit just above the portal's port, so that two demos started with different
# ports (`make demo PORT=8123`) do not reach for the same ones.
STAND_IN_OFFSETS = {
    "MOSIP stand-in": 1,
    "OpenCRVS stand-in": 2,
    "Identity provider (staff)": 3,
    "IDA stand-in": 4,
    "E-Signet stand-in": 5,
}


def default_port() -> int:
    try:
        return int(os.environ.get("PORTAL_DEMO_PORT") or 8000)
    except ValueError as exc:
        raise CommandError("PORTAL_DEMO_PORT must be a port number") from exc


def free_port(preferred: int) -> int:
    """The preferred port when it is free, else any free one (some are taken here)."""
    for port in (preferred, 0):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return probe.getsockname()[1]
    raise CommandError("no free port on 127.0.0.1")


def _interrupt(*_args) -> None:
    raise KeyboardInterrupt


class Command(BaseCommand):
    help = "Run the portal with stand-in MOSIP and OpenCRVS servers (demo settings)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--port",
            type=int,
            default=None,
            help="the portal's port (default: PORTAL_DEMO_PORT, else 8000); the stand-ins "
            "take the next five",
        )
        parser.add_argument(
            "--no-example",
            action="store_true",
            help="don't send an example birth registration at start",
        )

    def handle(self, *args, port: int | None, no_example: bool, **options):
        port = port or default_port()
        if not 0 < port < 65536 - len(STAND_IN_OFFSETS):
            raise CommandError(f"{port} cannot be the demo's port")
        self.port = port
        call_command("migrate", verbosity=0)
        call_command("collectstatic", verbosity=0, interactive=False)
        mosip, opencrvs = MosipStandIn(credential_delay_seconds=2.0), OpenCrvsStandIn()
        mosip.start(port=self._stand_in_port("MOSIP stand-in"))
        opencrvs.start(port=self._stand_in_port("OpenCRVS stand-in"))
        portal_url = f"http://127.0.0.1:{free_port(port)}"
        configure_for_stand_ins(mosip.url, opencrvs.url, portal_url)
        self._system_client(opencrvs)
        if not MappingProfile.objects.exists():  # never overwrite an admin's edits
            call_command("load_default_mappings", verbosity=0)
        extra_stand_ins = self._verification_stand_ins()
        password = self._demo_admin()
        # Staff sign in through a stand-in identity provider, as they would through the
        # country's: one person per role.
        idp = OidcStandIn(redirect_uris=(f"{portal_url}/oidc/callback/",))
        idp.start(port=self._stand_in_port("Identity provider (staff)"))
        extra_stand_ins["Identity provider (staff)"] = idp
        metrics_token = secrets.token_urlsafe(16)
        environment = {
            **os.environ,
            **idp.portal_settings(),
            "PORTAL_METRICS_TOKEN": metrics_token,
        }

        processes = self._start_processes(portal_url, environment)
        try:
            self._wait_until_up(portal_url)
            call_command("subscribe_websub", verbosity=0)
            if not mosip.wait_for_subscription(timeout=10):
                self.stderr.write("The MOSIP stand-in could not verify the WebSub callback.")
            if not no_example:
                self._send(portal_url, opencrvs)
            # Written after the one sent at start, with its own certificate number: the
            # printed command sends a new registration, not a repeat of that one (409).
            example = self._write_example()
            self._print_urls(portal_url, mosip, opencrvs, password, example, extra_stand_ins)
            self._print_sign_in(portal_url, metrics_token)
            signal.signal(signal.SIGTERM, _interrupt)
            while all(p.poll() is None for p in processes):
                time.sleep(0.5)
            self.stderr.write("A demo process stopped; shutting down.")
        except KeyboardInterrupt:
            pass
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
            for server in (mosip, opencrvs, *extra_stand_ins.values()):
                server.stop()

    def _verification_stand_ins(self) -> dict:
        """IDA and E-Signet stand-ins, when that part of the portal is installed."""
        try:
            from demo.verification import configure_demo, register_demo_encryption_key
            from mocks.esignet import EsignetStandIn
            from mocks.ida import IdaStandIn
        except ImportError:
            return {}
        servers = {"IDA stand-in": IdaStandIn(), "E-Signet stand-in": EsignetStandIn()}
        for name, server in servers.items():
            server.start(port=self._stand_in_port(name))
        configure_demo(servers["IDA stand-in"].url, servers["E-Signet stand-in"].url)
        register_demo_encryption_key(servers["E-Signet stand-in"])
        return servers

    def _stand_in_port(self, name: str) -> int:
        return free_port(self.port + STAND_IN_OFFSETS[name])

    def _demo_admin(self) -> str:
        password = secrets.token_urlsafe(12)
        user, _ = get_user_model().objects.get_or_create(username="admin")
        user.is_staff = user.is_superuser = True
        user.set_password(password)
        user.save()
        return password

    def _start_processes(self, portal_url: str, environment: dict) -> list[subprocess.Popen]:
        host_port = portal_url.removeprefix("http://")
        base = Path(settings.BASE_DIR)
        web = [sys.executable, "-m", "gunicorn", "-c", str(base / "portal" / "gunicorn_conf.py")]
        web += ["--bind", host_port, "--workers", "2", "portal.wsgi"]
        worker = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "portal",
            "worker",
            "--beat",
            "--pool=solo",
            "--loglevel=WARNING",
        ]
        # Fixed argument lists of our own programs, no shell.
        return [
            subprocess.Popen(cmd, cwd=base, env=environment)  # noqa: S603
            for cmd in (web, worker)
        ]

    def _wait_until_up(self, portal_url: str) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                requests.get(f"{portal_url}/websub/callback?hub.challenge=up", timeout=5)
                return
            # gunicorn's socket takes connections before its workers have loaded Django.
            except (requests.ConnectionError, requests.Timeout):
                time.sleep(0.3)
        raise CommandError("the portal did not start")

    @staticmethod
    def _example() -> dict:
        number = f"2026B{secrets.randbelow(10**8):08d}"
        return birth_request(number, number[5:])

    def _write_example(self) -> Path:
        path = Path(settings.VAR_DIR) / "demo-birth.json"
        path.write_text(json.dumps(self._example(), indent=2))
        return path

    def _send(self, portal_url: str, opencrvs: OpenCrvsStandIn) -> None:
        reply = requests.post(
            f"{portal_url}/events/registration",
            json=self._example(),
            headers={"Authorization": f"Bearer {opencrvs.mint_token()}"},
            timeout=10,
        )
        self.stdout.write(f"Sent an example birth registration: HTTP {reply.status_code}")

    def _system_client(self, opencrvs) -> None:
        """OpenCRVS 2.x: confirmations in the integration's own name (the stand-in's
        demo client)."""
        config = OpenCrvsSettings.load()
        config.auth_url = opencrvs.url
        config.client_id, config.client_secret = SYSTEM_CLIENT
        config.save()

    def _print_urls(self, portal_url, mosip, opencrvs, password, example, extra) -> None:
        token_cmd = (
            f"$(curl -s -X POST {opencrvs.url}/_test/token -d '{{}}' | "
            "python3 -c 'import json,sys; print(json.load(sys.stdin)[\"token\"])')"
        )
        correction_cmd = token_cmd.replace("-d '{}'", """-d '{"pending": "APPROVE_CORRECTION"}'""")
        lines = [
            "",
            "The portal is running with stand-in servers (demo keys, never for production):",
            f"  Staff console                  {portal_url}/console/   (break-glass: user "
            f"admin, password {password})",
            f"  Admin (settings, mappings)     {portal_url}/admin/",
            f"  Health                         {portal_url}/healthz",
            f"  API docs                       {portal_url}/api/docs/",
            f"  MOSIP stand-in                 {mosip.url}",
            f"  OpenCRVS stand-in              {opencrvs.url}",
            *(f"  {name:<30} {server.url}" for name, server in extra.items()),
            "",
            "Send a registration as OpenCRVS does (edit the certificate number to send another):",
            f"  curl -i -X POST {portal_url}/events/registration \\",
            f'    -H "Authorization: Bearer {token_cmd}" \\',
            f"    -H 'Content-Type: application/json' -d @{example}",
            "",
            "Send an approved birth correction as OpenCRVS 2.x does (a CRVS_UPDATE packet):",
            f"  curl -i -X POST {portal_url}/events/update-biographics \\",
            f'    -H "Authorization: Bearer {correction_cmd}" \\',
            '    -H \'Content-Type: application/json\' -d \'{"trackingId": "B12345678", '
            '"requestFields": {"VID": "4829104756", "dateOfBirth": "2024/01/30"}}\'',
            "",
            "Check a national ID as an OpenCRVS form does (a person the stand-in IDA knows):",
            f'  curl -X POST {portal_url}/verify -H "Authorization: Bearer {token_cmd}" \\',
            '    -H \'Content-Type: application/json\' -d \'{"nid": "1234567891", '
            '"dob": "2002-02-01", "gender": "female", '
            '"name": {"firstname": "Jenny", "surname": "Doe"}}\'',
            "",
            "Ctrl-C stops everything.",
        ]
        self.stdout.write("\n".join(lines))

    def _print_sign_in(self, portal_url: str, metrics_token: str) -> None:
        people = "\n".join(
            f"  {person.name:<14} {person.role:<18} groups: {', '.join(person.groups)}"
            for person in PEOPLE
        )
        self.stdout.write(
            "\n".join(
                [
                    "",
                    f'Sign in as each role: open {portal_url}/console/, choose "Sign in with '
                    'the demo identity provider", then pick one of:',
                    people,
                    "",
                    "Metrics as Prometheus scrapes them:",
                    f"  curl -H 'Authorization: Bearer {metrics_token}' {portal_url}/metrics",
                ]
            )
        )
