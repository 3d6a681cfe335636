"""Browser tests: Debian's chromium driven by Playwright, signing in through a real OpenID
Connect provider (panva/oidc-provider under node, in tests/browser/oidc/).

Needs: `apt-get install chromium` (/usr/bin/chromium) and `npm ci` in tests/browser/oidc.
Missing either fails these tests; they are never skipped.
"""

import faulthandler
import json
import os
import select
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

# The live server on the loopback address, like every other test server.
os.environ.setdefault("DJANGO_LIVE_TEST_SERVER_ADDRESS", "127.0.0.1")
# Playwright's sync API keeps an event loop in the test's thread; the ORM calls made
# there between browser steps are still plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("PORTAL_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
OIDC_DIR = Path(__file__).resolve().parent / "oidc"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"
VIEWPORT = {"width": 1280, "height": 800}

CLIENT_ID, CLIENT_SECRET = "portal-console", "console-test-secret"
PROVIDER_NAME = "Test IdP"


@dataclass(frozen=True)
class Account:
    login: str
    password: str
    groups: tuple[str, ...]
    name: str

    @property
    def claims(self) -> dict:
        return {
            "password": self.password,
            "sub": f"sub-{self.login}",
            "email": f"{self.login}@example.org",
            "name": self.name,
            "groups": list(self.groups),
        }


SUPPORT = Account("sam", "sam-password-1", ("support",), "Sam Support")
AUDITOR = Account("ada", "ada-password-1", ("auditor",), "Ada Auditor")
ADMIN = Account("ina", "ina-password-1", ("integration-admin",), "Ina Admin")


@dataclass
class Provider:
    issuer: str
    process: subprocess.Popen


def _require(condition: bool, message: str) -> None:
    if not condition:
        pytest.fail(message, pytrace=False)


@pytest.fixture(scope="session")
def oidc_provider(live_server) -> Iterator[Provider]:
    node = shutil.which("node")
    _require(node is not None, "node is not installed: the browser tests need it (Node 20+).")
    _require(
        (OIDC_DIR / "node_modules" / "oidc-provider").is_dir(),
        f"oidc-provider is not installed: run `npm ci` in {OIDC_DIR}.",
    )
    env = {
        **os.environ,
        "OIDC_PORT": "0",
        "OIDC_CLIENT_ID": CLIENT_ID,
        "OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "OIDC_REDIRECT_URIS": f"{live_server.url}/oidc/callback/",
        "OIDC_ACCOUNTS": json.dumps({a.login: a.claims for a in (SUPPORT, AUDITOR, ADMIN)}),
    }
    process = subprocess.Popen(  # noqa: S603 - a fixed script of this repository
        [node, "provider.mjs"],
        cwd=OIDC_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    ready, _, _ = select.select([process.stdout], [], [], 20)
    line = process.stdout.readline() if ready else ""
    if not line:
        process.kill()
        pytest.fail("the OIDC provider did not start (run `npm ci` in tests/browser/oidc?)")
    yield Provider(json.loads(line)["issuer"], process)
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def pipeline(live_pipeline):
    """Browser tests keep the portal in the test process: the identity provider's
    settings are test overrides that a gunicorn process would not see."""
    return live_pipeline


@pytest.fixture
def oidc(portal_settings, oidc_provider) -> Provider:
    """The portal configured for the provider, as OIDC_* environment variables would."""
    issuer = oidc_provider.issuer
    portal_settings.OIDC_OP_AUTHORIZATION_ENDPOINT = f"{issuer}/auth"
    portal_settings.OIDC_OP_TOKEN_ENDPOINT = f"{issuer}/token"
    portal_settings.OIDC_OP_USER_ENDPOINT = f"{issuer}/me"
    portal_settings.OIDC_OP_JWKS_ENDPOINT = f"{issuer}/jwks"
    portal_settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    portal_settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    portal_settings.OIDC_PROVIDER_NAME = PROVIDER_NAME
    return oidc_provider


@pytest.fixture(autouse=True)
def hang_guard() -> Iterator[None]:
    """A browser test stuck for minutes stops the run with every thread's traceback,
    rather than holding CI until its time runs out."""
    faulthandler.dump_traceback_later(300, exit=True)
    yield
    faulthandler.cancel_dump_traceback_later()


@pytest.fixture(scope="session")
def browser():
    _require(
        Path(CHROMIUM).exists(),
        f"{CHROMIUM} is missing: the browser tests need Debian's chromium "
        "(apt-get install chromium).",
    )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport=VIEWPORT, locale="en-GB", timezone_id="UTC")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def sign_in(page, portal_url: str, account: Account, start: str = "/console/") -> None:
    """Through the provider's own sign-in page, as a person would."""
    page.goto(portal_url + start)
    screenshot(page, "sign-in")
    page.get_by_role("link", name=f"Sign in with {PROVIDER_NAME}").click()
    page.get_by_label("Username").fill(account.login)
    page.get_by_label("Password").fill(account.password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{portal_url}/**")


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def wait_until(predicate, timeout: float = 30.0, what: str = "the condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def past_week(transactional_db) -> int:
    """A week of registrations already confirmed, so the dashboard has a history."""
    from datetime import timedelta

    from django.utils import timezone

    from integration.models import EventType, Status, Submission
    from tests.fixtures import birth_request

    now = timezone.now()
    rows = []
    for n in range(240):
        received = now - timedelta(hours=1 + n * 0.55, minutes=n % 30)
        body = birth_request(f"2026B6{n:07d}", f"B6{n:07d}")
        rows.append(
            Submission(
                event_type=EventType.BIRTH,
                tracking_id=body["trackingId"],
                certificate_number=body["requestFields"]["birthCertificateNumber"],
                raw_request=body,
                fields_sent=body["requestFields"],
                status=Status.CONFIRMED,
                created_at=received,
                packet_created_at=received + timedelta(seconds=4),
                workflow_started_at=received + timedelta(seconds=5),
                credential_received_at=received + timedelta(minutes=2),
                confirmed_at=received + timedelta(minutes=3),
                vid=f"7{n:09d}",
                token_expires_at=received + timedelta(days=7),
            )
        )
    Submission.objects.bulk_create(rows)
    return len(rows)


def failed_records(count: int) -> list:
    """Records that failed at MOSIP's door, as a misconfiguration leaves them."""
    from integration.models import EventType, Status, Submission
    from integration.services.lifecycle import reason_columns
    from tests.fixtures import birth_request

    rows = []
    for n in range(count):
        body = birth_request(f"2026B5{n:07d}", f"B5{n:07d}")
        rows.append(
            Submission(
                event_type=EventType.BIRTH,
                tracking_id=body["trackingId"],
                certificate_number=body["requestFields"]["birthCertificateNumber"],
                raw_request=body,
                status=Status.FAILED,
                failed_step="create_packet",
                **reason_columns(
                    "MOSIP auth answered HTTP 401: Client ID and secret key combination is invalid"
                ),
            )
        )
    return Submission.objects.bulk_create(rows)
