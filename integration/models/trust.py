"""Documents an admin pins for credential proof checks (offline or pinned installs)."""

from django.db import models


class TrustedDocumentKind(models.TextChoices):
    CONTEXT = "context", "JSON-LD context"
    KEY = "key", "verification method key (PEM, JWK, key or DID document)"


class TrustedDocument(models.Model):
    """A JSON-LD context or a verification method's key document, used instead of fetching
    its URL. A stored key is trusted like an allowlisted verification method."""

    url = models.CharField(
        "URL or DID",
        max_length=500,
        unique=True,
        help_text="The context URL, or the verification method (its URL or DID URL).",
    )
    kind = models.CharField(max_length=10, choices=TrustedDocumentKind.choices)
    document = models.JSONField(help_text="Stored as JSON; a PEM key is wrapped as publicKeyPem.")
    note = models.CharField(max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "url"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.url}"
