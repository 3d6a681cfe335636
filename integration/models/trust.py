"""Documents an admin pins for credential proof checks (offline or pinned installs)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TrustedDocumentKind(models.TextChoices):
    CONTEXT = "context", _("JSON-LD context")
    KEY = "key", _("verification method key (PEM, JWK, key or DID document)")


class TrustedDocument(models.Model):
    """A JSON-LD context or a verification method's key document, used instead of fetching
    its URL. A stored key is trusted like an allowlisted verification method."""

    url = models.CharField(
        _("URL or DID"),
        max_length=500,
        unique=True,
        help_text=_("The context URL, or the verification method (its URL or DID URL)."),
    )
    kind = models.CharField(
        max_length=10, choices=TrustedDocumentKind.choices, verbose_name=_("kind")
    )
    document = models.JSONField(
        help_text=_("Stored as JSON; a PEM key is wrapped as publicKeyPem."),
        verbose_name=_("document"),
    )
    note = models.CharField(max_length=200, blank=True, verbose_name=_("note"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        ordering = ["kind", "url"]
        verbose_name = _("trusted document")
        verbose_name_plural = _("trusted documents")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.url}"
