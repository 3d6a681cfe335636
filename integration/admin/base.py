"""What the admin's pages share: write-only secrets, keystore uploads, the settings
singleton page with its history. Area modules import from here, never from each other."""

from urllib.parse import urlsplit

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from integration.clients.http import destination_problem
from integration.crypto.keystore import KeystoreError, load_pkcs12
from integration.fields import mask
from integration.models import SettingsChange
from integration.reasons import staff_text
from integration.services.connection_checks import CHECKS
from integration.services.staff_actions import display_name


def _host(url: str) -> str:
    try:
        parts = urlsplit(url or "")
        return f"{parts.scheme}://{(parts.hostname or '').lower()}:{parts.port or ''}"
    except ValueError:
        return url


class SecretsForm(forms.ModelForm):
    """Secrets are write-only: the form shows what is set, masked; blank keeps it.

    A stored secret goes only where it went when it was entered: pointing one of
    `secret_urls` at another host (scheme, host or port) requires the secrets sent there
    to be typed again, so an admin account cannot send them elsewhere. Every URL field
    must also be one the operator lets the portal call (PORTAL_OUTBOUND_HOSTS).
    """

    secret_fields: tuple[str, ...] = ()
    secret_urls: dict[str, tuple[str, ...]] = {}  # URL field -> the secrets sent there

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.secret_fields:
            field = self.fields[name]
            current = getattr(self.instance, name, "")
            field.widget = forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"})
            field.required = False
            field.help_text = _("Currently %(masked)s. Leave blank to keep it.") % {
                "masked": mask(current)
            }

    def clean(self):
        cleaned = super().clean()
        self._check_destinations(cleaned)
        retyped = {name for name in self.secret_fields if cleaned.get(name)}
        for url_field, secrets in self.secret_urls.items():
            stored = getattr(self.instance, url_field, "")
            if not stored or _host(cleaned.get(url_field, stored)) == _host(stored):
                continue
            label = self.fields[url_field].label or url_field
            for secret in secrets:
                if secret not in retyped and getattr(self.instance, secret, ""):
                    self.add_error(
                        secret,
                        _(
                            "The %(label)s now points at another host: enter this secret "
                            "again (a stored secret is never sent to a new host)."
                        )
                        % {"label": label},
                    )
        for name in self.secret_fields:
            if name not in retyped:
                cleaned[name] = getattr(self.instance, name, "")
        return cleaned

    def _check_destinations(self, cleaned: dict) -> None:
        for name, field in self.fields.items():
            if isinstance(field, forms.URLField) and cleaned.get(name):
                problem = destination_problem(cleaned[name])
                if problem:
                    self.add_error(
                        name,
                        _("The portal may not call this address: %(problem)s.")
                        % {"problem": staff_text(problem)},
                    )


class KeystoreUploadForm(SecretsForm):
    """A PKCS#12 keystore comes in as an upload, is checked against its password when
    saved, and is never shown back. Subclasses name the two model fields."""

    keystore_field = ""
    password_field = ""
    keystore_upload = forms.FileField(
        label=gettext_lazy("keystore (PKCS#12)"),
        required=False,
        help_text=gettext_lazy("Upload a .p12 to replace it."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        stored = bool(getattr(self.instance, self.keystore_field))
        self.fields["keystore_upload"].help_text = (
            _("A keystore is stored; upload a .p12 to replace it.")
            if stored
            else _("None stored yet.")
        )

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("keystore_upload")
        stored = getattr(self.instance, self.keystore_field) or b""
        keystore = upload.read() if upload else bytes(stored)
        if keystore:
            try:
                load_pkcs12(keystore, cleaned.get(self.password_field) or "")
            except KeystoreError as exc:
                self.add_error(
                    "keystore_upload" if upload else self.password_field,
                    staff_text(exc),
                )
        if upload:
            setattr(self.instance, self.keystore_field, keystore)
        return cleaned


def english(text) -> str:
    with translation.override("en"):
        return str(text)


def changed_fields(before, after) -> list[str]:
    """The verbose names of the fields whose stored value differs (values never kept),
    in English: the history is the same whoever reads it (as the audit log)."""
    with translation.override("en"):
        return _changed_fields(before, after)


def _changed_fields(before, after) -> list[str]:
    changed = []
    for field in after._meta.concrete_fields:
        old = getattr(before, field.attname) if before is not None else field.get_default()
        new = getattr(after, field.attname)
        if isinstance(old, memoryview):
            old = bytes(old)
        if isinstance(new, memoryview):
            new = bytes(new)
        if old != new and field.name != "id":
            changed.append(str(field.verbose_name))
    return changed


class SingletonAdmin(admin.ModelAdmin):
    """A settings singleton; each save is kept in the settings history. Its page opens as
    its form (no one-row list), with a "Test connection" button where a check exists."""

    change_form_template = "admin/integration/singleton_change_form.html"
    object_history_template = "admin/integration/singleton_object_history.html"
    # A plain URL input: Django's admin widget shows each URL twice ("Currently", "Change").
    formfield_overrides = {
        models.URLField: {"widget": forms.URLInput(attrs={"class": "vURLField"})},
    }

    def _change_url(self) -> str:
        meta = self.model._meta
        obj = self.model.load()
        return reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])

    def changelist_view(self, request, extra_context=None):
        return HttpResponseRedirect(self._change_url())

    def get_urls(self):
        meta = self.model._meta
        test = self.admin_site.admin_view(require_POST(self.test_connection))
        own = [
            path(
                "test-connection/", test, name=f"{meta.app_label}_{meta.model_name}_test_connection"
            )
        ]
        return own + super().get_urls() if self.model in CHECKS else super().get_urls()

    def render_change_form(self, request, context, *args, **kwargs):
        if self.model in CHECKS:
            meta = self.model._meta
            context["test_connection_url"] = reverse(
                f"admin:{meta.app_label}_{meta.model_name}_test_connection"
            )
        return super().render_change_form(request, context, *args, **kwargs)

    def test_connection(self, request: HttpRequest):
        """One harmless call to each system these (saved) settings point at."""
        if not self.has_change_permission(request):
            return HttpResponseRedirect(reverse("admin:index"))
        answers = CHECKS[self.model](self.model.load())
        for answer in answers:
            shown = messages.success if answer.ok else messages.error
            (messages.warning if answer.warning else shown)(request, answer.message)
        if not answers:
            messages.warning(request, _("Nothing to test: no URL is set."))
        return HttpResponseRedirect(self._change_url())

    def has_add_permission(self, request):
        return False  # opening the page creates the one row (load); there is no "Add"

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        before = type(obj).objects.filter(pk=obj.pk).first() if obj.pk else None
        super().save_model(request, obj, form, change)
        fields = changed_fields(before, obj)
        if fields:
            SettingsChange.objects.create(
                settings_name=english(obj._meta.verbose_name),
                changed_by=request.user,
                changed_by_name=display_name(request.user),
                fields=fields,
            )
