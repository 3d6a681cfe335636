"""Fields the country config did not send, taken from the registration itself.

The reference country config (Farajaland) sends MOSIP only a name, a date of birth and
a gender; MOSIP's ID schema also asks for the address (`addressLine1`, and the location
hierarchy region > province > city > zone). OpenCRVS holds the whole declaration, so
when a mapping row that reads `declaration."…"` finds nothing in the request, the
event is read once with `event.get` (the system client's token, or the record's own
when it may read) and its declaration stored on the record for this and later tries.

An OpenCRVS outage is a RemoteError like any other: the delivery retries. A record
whose event no token may read is mapped without the declaration, and its problems say
why (an admin sets up the OpenCRVS system client, then resubmits).
"""

import logging

from integration.clients.opencrvs import OpenCrvsClient
from integration.clients.opencrvs_auth import OpenCrvsAuth
from integration.mapping.documents import DECLARATION, merged_declaration
from integration.mapping.engine import reads
from integration.models import Submission
from integration.models.mapping import MappingProfile, SourceFormat
from integration.reasons import Reason
from integration.services.opencrvs_access import reading_token

log = logging.getLogger(__name__)

REQUEST_FORMATS = (SourceFormat.INTEROP, SourceFormat.CORRECTION)


def declaration_rows(profile: MappingProfile, rows: list | None = None) -> list:
    if rows is None:
        rows = list(profile.rows.all()) if profile.pk else []
    return [row for row in rows if reads(row, DECLARATION)]


def would_help(submission: Submission, profile: MappingProfile, problems: dict) -> bool:
    """Whether reading the declaration could cure these problems: the record is a request
    the country config built, not read yet, and a problem names a row that reads it."""
    if submission.source_format not in REQUEST_FORMATS or submission.declaration is not None:
        return False
    return any(row.target in problems for row in declaration_rows(profile))


def read_declaration(submission: Submission) -> bool:
    """Read the event from OpenCRVS and store its declaration on the record. False when
    no token may read it; a failed call raises (classified by the caller)."""
    auth = OpenCrvsAuth()
    token = reading_token(submission, auth)
    if token is None:
        return False
    event = OpenCrvsClient().get_event(submission.event_id, token, submission)
    declaration = merged_declaration(event)
    Submission.objects.filter(pk=submission.pk).update(declaration=declaration)
    submission.declaration = declaration
    log.info("submission %s: declaration read from OpenCRVS", submission.pk)
    return True


def explain_unreadable(profile: MappingProfile, problems: dict) -> dict:
    """The problems of rows that read the declaration, with why it was not there."""
    names = {row.target for row in declaration_rows(profile)}
    return {
        name: Reason("declaration_unreadable", problem=reason) if name in names else reason
        for name, reason in problems.items()
    }
