"""What an empty admin list says instead of Django's "0 retention runs": what the page is
for and how it fills. Keyed by "app_label.model_name"; a model not listed gets a plain
"nothing here yet". The admin's list template reads it through the `admin_empty_state` tag
(`{% load admin_empty %}`, a template library named in the settings)."""

from django import template
from django.utils.translation import gettext_lazy as _

register = template.Library()

EMPTY_STATES = {
    "integration.submission": (
        _(
            "Every registration, correction and death OpenCRVS sends is stored here before "
            "it is answered."
        ),
        _(
            "The first appears when OpenCRVS calls the portal (POST /events/registration). "
            "Support staff follow them in the console."
        ),
    ),
    "integration.settingschange": (
        _(
            "Each save of a settings page is kept here: who saved, when and which fields "
            "changed, never a value."
        ),
        _(
            "A row appears the next time someone saves the MOSIP, OpenCRVS, IDA, E-Signet or "
            "retention settings."
        ),
    ),
    "integration.retentionrun": (
        _("Each row is one pass of the retention policy: what it erased or deleted, and when."),
        _(
            "Celery beat makes one at every PORTAL_RETENTION_INTERVAL_SECONDS (an hour by "
            "default), whether the policy is enabled or not; none yet means beat has not run."
        ),
    ),
    "integration.verificationrecord": (
        _(
            "One row per identity check OpenCRVS forms ask for (a NID checked with MOSIP IDA, "
            "a sign-in with E-Signet): when, the result and why, never the person's details."
        ),
        _("Rows appear as declarations are filled in with an identity check."),
    ),
    "integration.trusteddocument": (
        _(
            "JSON-LD contexts and verification keys the portal uses instead of fetching their "
            "URLs when it checks a credential's proof."
        ),
        _(
            "None are needed while MOSIP's documents can be fetched; add one to pin a "
            "document or when they cannot be reached from the portal."
        ),
    ),
    "integration.mappingprofile": (
        _("Mapping profiles turn OpenCRVS records into the fields of MOSIP's ID schema."),
        _("Add one, or import one as JSON (Import JSON, above)."),
    ),
}


@register.simple_tag(name="admin_empty_state")
def empty_state(opts) -> tuple[str, str]:
    """(what the page is for, how it fills) for a model's options."""
    found = EMPTY_STATES.get(opts.label_lower)
    if found:
        return str(found[0]), str(found[1])
    return str(_("Nothing here yet.")), ""
