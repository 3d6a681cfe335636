"""Every page carries a Content-Security-Policy that forbids inline script, and none
needs one: scripts and styles come from the portal's static files only."""

import re

import pytest
from django.urls import reverse

from integration.models import MappingProfile, Status

pytestmark = pytest.mark.django_db

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style\b|\sstyle=\"", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"\son[a-z]+=\"|javascript:", re.IGNORECASE)


def directives(reply) -> dict[str, list[str]]:
    policy = reply["Content-Security-Policy"]
    parts = (part.split() for part in policy.split(";") if part.strip())
    return {name: values for name, *values in parts}


def pages(make_submission) -> list[str]:
    failed = make_submission(Status.FAILED)
    profile = MappingProfile.objects.create(
        name="births", source_format="interop", event_type="birth"
    )
    return [
        reverse("console:login"),
        reverse("console:dashboard"),
        reverse("console:submissions"),
        reverse("console:submission", args=[failed.pk]),
        reverse("console:jobs"),
        reverse("console:audit"),
        reverse("admin:index"),
        reverse("admin:integration_mosipsettings_changelist"),
        reverse("admin:integration_mappingprofile_change", args=[profile.pk]),
    ]


def test_every_page_forbids_inline_script_and_has_none(admin_client_, make_submission):
    for url in pages(make_submission):
        reply = admin_client_.get(url, follow=True)
        assert reply.status_code == 200, url
        policy = directives(reply)
        assert policy["default-src"] == ["'self'"], url
        assert policy["script-src"] == ["'self'"], url
        assert policy["style-src"] == ["'self'"], url
        assert policy["frame-ancestors"] == ["'none'"], url
        html = reply.content.decode()
        assert not INLINE_SCRIPT.search(html), f"inline <script> on {url}"
        assert not INLINE_STYLE.search(html), f"inline style on {url}"
        assert not INLINE_HANDLER.search(html), f"inline event handler on {url}"


def test_the_api_docs_load_only_the_portals_own_files(client):
    reply = client.get("/api/docs/")
    html = reply.content.decode()
    assert reply.status_code == 200
    assert "https://" not in html and "//fonts." not in html  # no CDN, no web fonts
    [script] = re.findall(r'<script src="([^"]+)"', html)
    # The package's ReDoc, served by the portal with its CDN logo taken out.
    assert script == "/api/docs/redoc.standalone.js"
    assert not INLINE_SCRIPT.search(html)
    policy = directives(reply)
    assert policy["script-src"] == ["'self'"]
    # ReDoc writes its own <style> elements and runs its search in a blob worker.
    assert policy["style-src"] == ["'self'", "'unsafe-inline'"]
    assert policy["worker-src"] == ["blob:"]
