"""Editing in the admin: the ID schema as an indented JSON document checked on save, and
mapping rows without a default shown empty (not the literal "null")."""

import pytest

from integration.mapping.exchange import load_defaults
from integration.models import MosipSettings
from integration.models.mapping import FieldMapping
from tests.admin.test_settings_admin import settings_form_data

pytestmark = pytest.mark.django_db
SETTINGS = "/admin/integration/mosipsettings/1/change/"


def test_the_id_schema_is_an_indented_json_document(admin_client):
    config = MosipSettings.load()
    config.id_schema = {"title": "Ours", "properties": {"identity": {"properties": {"a": {}}}}}
    config.save()
    page = admin_client.get(SETTINGS).content.decode()
    area = page.split('class="json-editor"')[1].split("</textarea>")[0]
    assert "{\n  &quot;title&quot;: &quot;Ours&quot;,\n  &quot;properties&quot;" in area


def test_an_id_schema_that_is_not_json_is_refused_on_save_and_kept_as_typed(admin_client):
    MosipSettings.load()
    data = {**settings_form_data(admin_client), "id_schema_source": "custom"}
    data["id_schema"] = '{"title": "Ours", "properties": '
    refused = admin_client.post(SETTINGS, data)
    assert refused.status_code == 200
    assert "Enter a valid JSON" in str(refused.context["adminform"].form.errors["id_schema"])
    assert "{&quot;title&quot;: &quot;Ours&quot;, &quot;properties&quot;: </textarea>" in (
        refused.content.decode()
    )


def test_a_mapping_row_without_a_default_shows_an_empty_box(admin_client):
    profile = load_defaults()[0]
    row = next(r for r in profile.rows.all() if r.default is None)
    page = admin_client.get(f"/admin/integration/mappingprofile/{profile.pk}/change/")
    forms = page.context["inline_admin_formsets"][0].formset.forms
    form = next(f for f in forms if f.instance.pk == row.pk)
    assert form["default"].value() in (None, "")
    assert str(form["default"]).endswith("\n</textarea>") and ">null<" not in str(form["default"])
    assert FieldMapping.objects.get(pk=row.pk).default is None
