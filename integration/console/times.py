"""Times as staff read them: in the portal's time zone (PORTAL_TIME_ZONE, UTC unless set)
and in the formats of the reader's language (portal/formats/), with the zone named."""

from datetime import datetime

from django.utils import timezone
from django.utils.formats import date_format


def local_time(value: datetime, short: bool = False) -> str:
    """ "30 Nov 2026, 13:07:05 EAT"; short: "30 Nov 2026, 13:07 EAT" (fr: "30/11/2026 13:07
    EAT")."""
    fmt = "SHORT_DATETIME_FORMAT" if short else "DATETIME_FORMAT"
    return date_format(timezone.localtime(value), fmt)
