"""Settings rows are kept per process, and an admin's save in another process takes
effect at the next task here (integration/config_cache.py)."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from demo.stand_ins import configure_for_stand_ins
from integration import config_cache
from integration.models import MosipSettings, Submission
from mocks.examples import birth_request

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def shared_cache(settings, tmp_path):
    """A cache every process on the machine shares (as Redis is in production)."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path / "cache"),
        }
    }
    return tmp_path / "cache"


def _database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def _admin_saves_in_another_process(cache_dir: Path, center_id: str) -> None:
    env = {
        **os.environ,
        "PORTAL_DEMO": "true",
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DATABASE_URL": _database_url(),
        "CACHE_URL": f"filecache://{cache_dir}",
        "PORTAL_VAR_DIR": str(cache_dir.parent / "other-var"),
    }
    code = (
        "import django; django.setup(); from integration.models import MosipSettings; "
        f"s = MosipSettings.load(); s.center_id = {center_id!r}; s.save()"
    )
    subprocess.run([sys.executable, "-c", code], env=env, cwd=REPO, check=True, timeout=60)  # noqa: S603


def test_a_per_process_cache_keeps_nothing_and_a_shared_one_does(settings, portal_settings):
    portal_settings.CONFIG_CACHE = None
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert not config_cache.enabled()  # another process would never learn of a save
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": "redis://127.0.0.1:1/1"}}  # fmt: skip
    assert config_cache.enabled()


def test_a_save_in_another_process_takes_effect_at_the_next_load(transactional_db,
                                                                   shared_cache):  # fmt: skip
    assert config_cache.enabled()
    config = MosipSettings.load()
    config.center_id = "11111"
    config.save()
    assert MosipSettings.load().center_id == "11111"

    # A change nobody announced (a raw UPDATE) is not seen: the copy is really kept...
    MosipSettings.objects.filter(pk=1).update(center_id="22222")
    assert MosipSettings.load().center_id == "11111"

    # ...and an admin's save in another process is seen at once.
    _admin_saves_in_another_process(shared_cache, "33333")
    assert MosipSettings.load().center_id == "33333"


def _deliver_one(client, opencrvs, mosip, number: str) -> dict:
    token = opencrvs.mint_token()
    reply = client.post(
        "/events/registration", birth_request(number, number[-9:]),
        content_type="application/json", headers={"Authorization": f"Bearer {token}"},
    )  # fmt: skip
    assert reply.status_code == 202
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        submission = Submission.objects.get(certificate_number=number)
        if submission.transaction_id in mosip.packets:
            return mosip.packets[submission.transaction_id]
        time.sleep(0.1)
    raise AssertionError(f"{number} was not delivered: {submission.status}")


def test_an_admin_save_in_another_process_reaches_the_next_task(
    shared_cache, mosip, opencrvs, worker, client
):
    configure_for_stand_ins(mosip.url, opencrvs.url, "http://127.0.0.1:1")
    first = _deliver_one(client, opencrvs, mosip, "2026B00000076")  # the worker keeps a copy
    assert first["refId"].startswith("10001_")

    _admin_saves_in_another_process(shared_cache, "44444")

    assert _deliver_one(client, opencrvs, mosip, "2026B00000077")["refId"].startswith("44444_")
