"""Importing mapping profiles: what will change is shown before anything is applied, the
whole file is applied or none of it, and every error names its profile."""

import json

import pytest

from integration.mapping.exchange import export_profile, load_defaults
from integration.models.mapping import MappingProfile

pytestmark = pytest.mark.django_db
URL = "/admin/integration/mappingprofile/import/"


@pytest.fixture
def profiles() -> list[MappingProfile]:
    return load_defaults()


def test_the_review_shows_what_will_change_and_applies_nothing(admin_client, profiles):
    profile = profiles[0]
    exported = export_profile(profile)
    first, second = exported["rows"][0], exported["rows"][1]
    first["source"] = "registrationNumber || certificateNumber"
    removed = exported["rows"].pop()["target"]
    exported["rows"].append({**second, "target": "brandNewField", "order": 999})
    exported["language"] = "fra"
    newcomer = {**export_profile(profile), "name": "Another profile", "active": False}

    page = admin_client.post(URL, {"text": json.dumps([exported, newcomer])}).content.decode()

    diff = page.split('data-testid="import-diff"')[1]
    assert f"{profile.name} — \n" in diff or f"{profile.name} —" in diff
    assert "changed" in diff and "Another profile" in diff and "new profile" in diff
    assert "<del>eng</del>" in diff and "<ins>fra</ins>" in diff
    assert f"Rows removed:</strong> {removed}" in diff
    assert "Rows added:</strong> brandNewField" in diff
    assert "<ins>registrationNumber || certificateNumber</ins>" in diff
    stored = MappingProfile.objects.get(pk=profile.pk)
    assert stored.language == "eng" and not MappingProfile.objects.filter(name="Another profile")

    applied = admin_client.post(URL, {"text": json.dumps([exported, newcomer]), "confirmed": "1"})
    assert applied.status_code == 302
    assert MappingProfile.objects.get(pk=profile.pk).language == "fra"
    assert MappingProfile.objects.filter(name="Another profile").exists()


def test_an_unchanged_profile_is_said_to_be_unchanged(admin_client, profiles):
    page = admin_client.post(URL, {"text": json.dumps(export_profile(profiles[0]))})
    assert "no change" in page.content.decode()


def test_every_error_names_its_profile_and_nothing_is_saved(admin_client, profiles):
    good = {**export_profile(profiles[0]), "name": "Good one", "active": False}
    bad = {**export_profile(profiles[1]), "name": "Bad one"}
    bad["rows"][0]["transform"] = "eval"
    nameless = {"format": good["format"], "rows": []}
    for confirmed in ({}, {"confirmed": "1"}):
        reply = admin_client.post(URL, {"text": json.dumps([good, bad, nameless]), **confirmed})
        errors = reply.context["errors"]
        assert errors and all(e.startswith("Profile “") for e in errors)
        assert any(e.startswith("Profile “Bad one”:") and "eval" in e for e in errors)
        assert any(e.startswith("Profile “profile 3 in the file”:") for e in errors)
        assert not MappingProfile.objects.filter(name__in=["Good one", "Bad one"]).exists()
