"""Admin for pinned credential-proof documents: JSON-LD contexts and verification keys."""

import json

from django import forms
from django.contrib import admin
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from integration.crypto.ld_keys import LdKeyError, key_for_method, method_ids
from integration.models import TrustedDocument, TrustedDocumentKind
from integration.reasons import staff_text


class TrustedDocumentForm(forms.ModelForm):
    content = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 16, "cols": 100}),
        label=gettext_lazy("content"),
        help_text=gettext_lazy(
            "A context: its JSON document. A key: a PEM public key or certificate, a JWK, a "
            "key document (id + publicKeyPem / publicKeyJwk / publicKeyMultibase) or a DID "
            "document with verificationMethod entries."
        ),
    )

    class Meta:
        model = TrustedDocument
        fields = ["url", "kind", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["content"].initial = json.dumps(self.instance.document, indent=2)

    def clean(self):
        cleaned = super().clean()
        url, kind, text = cleaned.get("url"), cleaned.get("kind"), cleaned.get("content", "")
        if not url or not kind or not text:
            return cleaned
        if kind == TrustedDocumentKind.KEY and text.lstrip().startswith("-----BEGIN"):
            document = {"id": url, "publicKeyPem": text.strip()}
        else:
            try:
                document = json.loads(text)
            except ValueError as exc:
                raise forms.ValidationError(
                    {"content": _("not JSON: %(error)s") % {"error": exc}}
                ) from exc
            if not isinstance(document, dict):
                raise forms.ValidationError({"content": _("must be a JSON object")})
        if kind == TrustedDocumentKind.KEY:
            if "kty" in document:  # a bare JWK
                document = {"id": url, "publicKeyJwk": document}
            ids = method_ids(document)
            if url not in ids and url != document.get("id"):
                defined = ", ".join(ids) or _("no key")
                raise forms.ValidationError(
                    {
                        "content": _("the document defines %(defined)s, not %(url)s")
                        % {"defined": defined, "url": url}
                    }
                )
            try:
                for method in ids:
                    key_for_method(method, document)
            except LdKeyError as exc:
                raise forms.ValidationError({"content": staff_text(exc)}) from exc
        elif "@context" not in document:
            raise forms.ValidationError({"content": _("a JSON-LD context has an @context member")})
        cleaned["document"] = document
        return cleaned

    def save(self, commit=True):
        self.instance.document = self.cleaned_data["document"]
        return super().save(commit)


@admin.register(TrustedDocument)
class TrustedDocumentAdmin(admin.ModelAdmin):
    form = TrustedDocumentForm
    list_display = ["url", "kind", "note", "updated_at"]
    list_filter = ["kind"]
    search_fields = ["url", "note"]
