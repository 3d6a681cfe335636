"""Auth tokens for MOSIP and OpenCRVS are kept in the shared cache encrypted: whoever
reads the cache's store (Redis, its dumps and replicas) finds no usable token, while every
process of the portal still reuses one token instead of authenticating for each call."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache

from integration.clients import mosip as mosip_client
from integration.clients.mosip import MosipClient, forget_tokens_here
from integration.clients.opencrvs_auth import OpenCrvsAuth
from integration.models import Attempt, OpenCrvsSettings
from integration.models.submission import Step
from mocks.opencrvs import SYSTEM_CLIENT

pytestmark = pytest.mark.django_db


def cache_store_holds(secret: str) -> bool:
    """Whether the cache's own files (the tests' file cache, as Redis's memory and
    dumps in production) hold `secret` anywhere."""
    files = Path(settings.CACHES["default"]["LOCATION"]).rglob("*")
    return any(secret.encode() in path.read_bytes() for path in files if path.is_file())


def test_the_mosip_token_is_cached_encrypted_and_still_shared(configured):
    client = MosipClient()
    config = client.config
    token = client.auth_token(config.packet_client_id, config.packet_client_secret)
    key = mosip_client._token_cache_key(config.auth_url, config.packet_client_id)
    stored = cache.get(key)
    assert stored and token not in stored
    assert not cache_store_holds(token)

    forget_tokens_here()  # another process: finds it in the cache, asks MOSIP nothing
    again = MosipClient().auth_token(config.packet_client_id, config.packet_client_secret)
    assert again == token
    assert Attempt.objects.filter(step=Step.AUTH).count() == 1


def test_an_entry_that_does_not_decrypt_is_asked_for_again(configured):
    client = MosipClient()
    config = client.config
    key = mosip_client._token_cache_key(config.auth_url, config.packet_client_id)
    cache.set(key, "a-plaintext-token-from-an-older-version", 600)
    token = client.auth_token(config.packet_client_id, config.packet_client_secret)
    assert token != "a-plaintext-token-from-an-older-version"
    assert Attempt.objects.filter(step=Step.AUTH).count() == 1


def test_the_opencrvs_system_token_is_cached_encrypted(configured, opencrvs):
    config = OpenCrvsSettings.load()
    config.auth_url = opencrvs.url
    config.client_id, config.client_secret = SYSTEM_CLIENT
    config.save()
    token = OpenCrvsAuth().system_token()
    assert not cache_store_holds(token)
    assert OpenCrvsAuth().system_token() == token
    assert len(opencrvs.token_requests) == 1
