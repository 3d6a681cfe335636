"""What goes into a MOSIP packet: the record mapped with its profile, checked against
the ID schema. A mapping problem is a MappingFailed, which no retry can cure."""

import json
import secrets

from django.db import IntegrityError
from django.db.models import QuerySet
from django.utils import timezone

from integration.clients.mosip import Packet
from integration.db import insert
from integration.mapping.conform import conform
from integration.mapping.documents import DECLARATION, source_document
from integration.mapping.engine import Mapped, map_record
from integration.mapping.mosip_rules import (
    INFANT_ROUTE_PROCESSES,
    dob_problem,
    has_officer,
    mandatory_for,
    needs_officer,
    route_problems,
    with_officer,
)
from integration.mapping.profiles import builtin_interop_profile, correction_rows, profile_for
from integration.mapping.schemas import identity_properties, schema_problem
from integration.mapping.validation import validate_fields
from integration.models import EventType, MosipSettings, Submission, TransactionId
from integration.models.mapping import DEFAULT_LANGUAGE, MappingProfile, SourceFormat
from integration.reasons import Reason
from integration.services import declaration
from integration.services.id_schema import schema_from_mosip


class NoIdSchema(Exception):
    """No usable ID schema is in force: a configuration problem, retried until an admin
    chooses one (nothing is sent without a schema to check the packet against). Raised
    with a Reason (integration/reason_codes.py); str() is its English text."""

    def __init__(self, reason: Reason) -> None:
        self.reason = reason
        super().__init__(str(reason))


class NoOfficer(NoIdSchema):
    """MOSIP's CRVS_NEW route fails a packet naming no officer or supervisor, and neither
    the request nor the MOSIP settings name one: handled as a missing ID schema (retried,
    uncounted, the reason shown) until an admin sets the registration officer id."""


# What an update-biographics request names the person and the introducer by: for MOSIP's
# update process, not identity data the ID schema describes.
CORRECTION_IDENTIFIERS = ("VID", "introducerInfoToken")
# Requests built by the country config (mosip-api's contract), not OpenCRVS documents.
REQUEST_FORMATS = (SourceFormat.INTEROP, SourceFormat.CORRECTION)


def process_of(submission: Submission, profile: MappingProfile, config: MosipSettings) -> str:
    if profile.process:
        return profile.process
    if submission.is_correction:
        return config.update_process  # MOSIP updates the person it already knows
    return config.process_for(submission.event_type)


class MappingFailed(Exception):
    def __init__(self, problems: dict[str, str]):
        self.problems = problems
        # Each problem a Reason (integration.mapping.validation) or a plain text.
        self.reason = Reason("mapping_problems", problems=list(problems.values()))
        super().__init__(str(self.reason))


def new_transaction_id(prefix: str) -> str:
    return prefix + "".join(str(secrets.randbelow(10)) for _ in range(10))


def assign_transaction_id(
    submission: Submission,
    config: MosipSettings,
    rows: QuerySet | None = None,
    *,
    about_to_send: bool = False,
) -> str | None:
    """A fresh MOSIP transaction id, remembered with all earlier ones. With `rows` (a worker's
    fence: the record while its claim holds and it has no id yet), the id is written only
    through them, in the same UPDATE that checks them, and None means the record is no
    longer this worker's: nothing was written. `about_to_send` also marks, in that same
    UPDATE, that createPacket may go out under the id (`packet_sent_for`): a later holder
    then asks MOSIP before sending again, at no extra statement on the first try."""
    rows = Submission.objects.filter(pk=submission.pk) if rows is None else rows
    while True:
        candidate = new_transaction_id(config.transaction_id_prefix)
        marked = {"packet_sent_for": candidate} if about_to_send else {}
        if not rows.update(transaction_id=candidate, updated_at=timezone.now(), **marked):
            return None
        try:
            # The unique index finds the rare clash: no look-up first.
            insert(TransactionId, submission=submission, value=candidate)
        except IntegrityError:
            rows = Submission.objects.filter(pk=submission.pk, transaction_id=candidate)
            continue
        break
    submission.transaction_id = candidate
    if about_to_send:
        submission.packet_sent_for = candidate
    return candidate


def profile_of(submission: Submission) -> MappingProfile:
    type_id = submission.event_type_id or submission.event_type
    profile = profile_for(submission.source_format, type_id)
    if profile is not None:
        return profile
    if submission.source_format in REQUEST_FORMATS:
        return builtin_interop_profile(submission.event_type, submission.source_format)
    missing = Reason("no_profile", format=submission.source_format, type=f"'{type_id}'")
    raise MappingFailed({"profile": missing})


def map_submission(
    submission: Submission,
    config: MosipSettings,
    profile: MappingProfile | None = None,
    rows: list | None = None,
) -> tuple[MappingProfile, Mapped]:
    """Map and validate without sending anything. The admin's preview and its check of
    an edit pass the profile (and rows) being edited, which need not be saved yet."""
    profile = profile or profile_of(submission)
    body = submission.raw_request or {}
    if rows is None and submission.is_correction and profile.pk is None:
        # The built-in correction profile keeps the request's fields as sent; their values
        # go through the registration profile's rows, as a registration's do.
        fields = body.get("requestFields")
        type_id = submission.event_type_id or submission.event_type
        rows = correction_rows(type_id, fields if isinstance(fields, dict) else {})
    document = source_document(submission.source_format, body, submission.declaration)
    # Only a request's fields can come from elsewhere: an EventDocument is the declaration.
    tracked = DECLARATION if submission.source_format in REQUEST_FORMATS else None
    mapped = map_record(profile, document, rows, tracked=tracked)
    if submission.source_format in REQUEST_FORMATS:
        # The request's own metaInfo and audit refine the defaults, as in mosip-api; keys
        # the portal does not know (the country config's informantPsut) are kept.
        mapped.meta_info.update(body.get("metaInfo") or {})
        if mapped.audits and isinstance(body.get("audit"), dict):
            mapped.audits[0].update(body["audit"])
    if submission.event_type == EventType.DEATH:
        mapped.fields.pop("deathCertificateNumber", None)  # MOSIP's death process refuses it
    process = process_of(submission, profile, config)
    if (
        config.officer_id
        and process.upper() in INFANT_ROUTE_PROCESSES
        and not has_officer(mapped.meta_info)
    ):
        mapped.meta_info = with_officer(mapped.meta_info, config.officer_id)
    schema = checked_schema(submission, config)
    mapped.fields = conform(mapped.fields, schema, profile.language or DEFAULT_LANGUAGE)
    mapped.defaulted = [name for name in mapped.defaulted if name in mapped.fields]
    mapped.from_tracked = [name for name in mapped.from_tracked if name in mapped.fields]
    mosip_problems = _mosip_problems(submission, mapped, schema, process, config)
    mapped.problems = {**mosip_problems, **mapped.problems}
    return profile, mapped


def _mosip_problems(
    submission: Submission, mapped: Mapped, schema: dict, process: str, config: MosipSettings
) -> dict[str, str]:
    """What MOSIP's registration processor will fail this packet for, in the order it
    checks (docs/mosip-validation.md): the ID object, the process's route, then the
    identity store's date check."""
    fields = mapped.fields
    if submission.is_correction:
        # An update names the person (VID) and its introducer: not identity data.
        fields = {k: v for k, v in fields.items() if k not in CORRECTION_IDENTIFIERS}
    # MOSIP's packet writer writes only the fields the schemaJson sent with the packet
    # defines; the validator reads back those.
    written = identity_properties(sent_schema(submission, config))
    dropped = {name for name in fields if written and name not in written}
    fields = {k: v for k, v in fields.items() if k not in dropped}
    mandatory = mandatory_for(process, config.mandatory_attributes)
    problems = validate_fields(fields, schema, mandatory)
    for name in dropped & set(problems):
        problems[name] = Reason("field_not_written", field=name)
    today = timezone.now().date()
    for name, reason in route_problems(fields, process, today).items():
        problems.setdefault(name, reason)
    if "dateOfBirth" not in problems and (reason := dob_problem(fields, today)):
        problems["dateOfBirth"] = reason
    return problems


def checked_schema(submission: Submission, config: MosipSettings) -> dict:
    """The ID schema MOSIP will validate the packet against: the one its masterdata
    publishes for the packet's IDSchemaVersion; while MOSIP cannot say, the request's own
    schemaJson or the one chosen in the settings (id_schema_of)."""
    return schema_from_mosip(config) or id_schema_of(submission, config)


def sent_schema(submission: Submission, config: MosipSettings) -> dict:
    """The ID schema sent as schemaJson, from which MOSIP's packet writer takes the
    fields it writes: the request's own, else MOSIP's, else the settings'."""
    own = (submission.raw_request or {}).get("schemaJson")
    if isinstance(own, str) and own:
        return json.loads(own)
    return checked_schema(submission, config)


def id_schema_of(submission: Submission, config: MosipSettings) -> dict:
    """The ID schema for this record's packet: the request's own `schemaJson` (checked
    to be a JSON object when it came in), else the one in the MOSIP settings."""
    own = (submission.raw_request or {}).get("schemaJson")
    if isinstance(own, str) and own:
        return json.loads(own)
    return config.id_schema_in_force()


def build_packet(submission: Submission, config: MosipSettings) -> Packet:
    schema = checked_schema(submission, config)
    if schema_problem(schema):
        if schema:
            raise NoIdSchema(Reason("id_schema_without_fields"))
        raise NoIdSchema(Reason("no_id_schema"))
    profile, mapped = map_submission(submission, config)
    if mapped.problems and declaration.would_help(submission, profile, mapped.problems):
        # The request lacks what the declaration in OpenCRVS holds: read it, map again.
        if declaration.read_declaration(submission):
            profile, mapped = map_submission(submission, config, profile)
        else:
            mapped.problems = declaration.explain_unreadable(profile, mapped.problems)
    if mapped.problems:
        raise MappingFailed(mapped.problems)
    process = process_of(submission, profile, config)
    if needs_officer(process, mapped.meta_info):
        raise NoOfficer(Reason("no_officer", process=process))
    return Packet(
        defaulted=mapped.defaulted,
        from_declaration=mapped.from_tracked,
        transaction_id=submission.transaction_id,
        process=process,
        fields=mapped.fields,
        meta_info=mapped.meta_info,
        audits=mapped.audits,
        notification=mapped.notification,
        schema_json=json.dumps(sent_schema(submission, config)),
    )
