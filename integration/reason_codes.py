"""Why a record failed, as codes: each code's sentence is marked for translation, and the
values that fill it are stored beside it (`Submission.reason_code`, `reason_params`).

The English sentence stays in `last_error` for logs, the API and rows written before codes
existed; pages render the code in the reader's language. A remote system's own words
(MOSIP's `errors[].message`, an HTTP reply's detail) are never translated: they are kept
apart as `verbatim` and shown quoted, marked as that system's text.

To add a reason: add a code here with a gettext_lazy sentence (tests/project/test_translations.py
fails otherwise), its French entry at the end of locale/fr/LC_MESSAGES/django.po, and
raise or store `Reason("code", ...)` (integration.reasons.Reason) where it happens.
"""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

REASONS = {
    # A remote system's answers (integration.clients)
    "remote_http": _("%(system)s answered HTTP %(status)s"),
    "remote_timeout": _("no answer in time from %(system)s"),
    "remote_unreachable": _("could not connect to %(system)s"),
    "remote_bad_url": _("the URL for %(system)s is not valid: check the settings in the admin"),
    "remote_call_failed": _("the call to %(system)s failed: %(error)s"),
    "remote_not_json": _("%(system)s answered something that is not JSON"),
    "remote_refused": _("%(system)s refused the request"),
    "remote_redirect": _(
        "%(system)s answered with a redirect (HTTP %(status)s); the portal does not follow "
        "redirects: set the final URL in the settings"
    ),
    "unexpected_call": _("unexpected %(error)s while calling %(system)s"),
    # The portal's own rules on where it may call (integration.clients.http)
    "no_url": _("no URL is set for %(system)s: it is not valid; check the settings"),
    "destination_refused": _(
        "the URL for %(system)s is not valid here: %(problem)s; check the settings in the admin"
    ),
    "peer_refused": _(
        "the URL for %(system)s is not valid here: its host resolved to %(peer)s, an address "
        "that is never a remote system; check the settings and DNS"
    ),
    # MOSIP's answers that are not what was asked for (integration.clients.mosip)
    "mosip_no_cookie": _("MOSIP auth set no Authorization cookie"),
    "mosip_token_refused": _("MOSIP refused the auth token"),
    "packet_not_written": _(
        "MOSIP's packet manager answered without writing the packet (no packet infos, no "
        "error; its log says why); retrying"
    ),
    "remote_no_json": _("%(system)s answered no JSON"),
    "remote_no_json_object": _("%(system)s answered no JSON object"),
    "no_uin": _("MOSIP's ID repository holds no UIN for it"),
    "no_request_id": _("MOSIP's credential request answered no request id"),
    "no_schema_json": _("MOSIP masterdata's idschema answer has no schemaJson"),
    "document_not_json": _("the %(what)s at %(url)s is not JSON"),
    "document_not_object": _("the %(what)s at %(url)s is not a JSON object"),
    # MOSIP's registration processor (integration.services.failures.mosip_rejection)
    "mosip_rejected": _("MOSIP answered %(status)s at %(where)s"),
    # MOSIP's status (integration.services.mosip_status)
    "packet_unknown": _(
        "MOSIP's registration processor does not know this packet (RPR-RGS-031) %(minutes)s "
        "minutes after its workflow started: it was never written. Sending it again under "
        "the same transaction id."
    ),
    "credential_lost": _(
        "MOSIP processed the packet (status %(status)s), but no credential came, though it "
        "was asked for again %(times)s times. Check MOSIP's credential service and the "
        "WebSub subscription, then resubmit or ask MOSIP again."
    ),
    "credential_lost_after": _(
        "MOSIP processed the packet (status %(status)s), but no credential came, though it "
        "was asked for again %(times)s times (the last request failed: %(cause)s). Check "
        "MOSIP's credential service and the WebSub subscription, then resubmit or ask MOSIP "
        "again."
    ),
    # OpenCRVS (integration.clients.opencrvs, integration.services.confirmation)
    "opencrvs_pending_actions": _("OpenCRVS has several pending actions (%(ids)s)"),
    "opencrvs_not_trpc": _("the OpenCRVS gateway answered something that is not a tRPC result"),
    "opencrvs_token_refused": _("OpenCRVS refused %(token)s"),
    "opencrvs_refused": _("OpenCRVS refused"),
    "opencrvs_search_refused": _(
        "OpenCRVS refused the search (%(status)s): the system client needs the record.search "
        "scope (recordsearch on 1.9)"
    ),
    "opencrvs_no_results": _("OpenCRVS search answered no results"),
    "opencrvs_no_token": _("OpenCRVS auth gave no access_token"),
    "system_client_refused": _("%(cause)s (the system client's token)"),
    "opencrvs_not_jwt": _("OpenCRVS auth answered a token that is not a JWT"),
    "remote_no_token": _("%(system)s gave no access_token"),
    # What OpenCRVS waits for (integration.services.opencrvs_access)
    "correction_needs_system_client": _(
        "A correction is confirmed with the request id OpenCRVS holds, and the record's "
        "token may not read the event: set up the OpenCRVS system client (record.read), "
        "then retry the confirmation."
    ),
    "nothing_pending": _(
        "Nothing to confirm: OpenCRVS has no pending action for this event (it was "
        "confirmed or rejected there already, or cancelled)."
    ),
    "other_action_pending": _(
        "Nothing to confirm: OpenCRVS waits for another action (%(action)s), not the one "
        "this record was sent for."
    ),
    "action_not_confirmable": _(
        "OpenCRVS waits for a %(kind)s action, which the portal does not confirm"
    ),
    "correction_no_request_id": _("OpenCRVS's correction approval names no requestId"),
    "token_expired": _("The record's OpenCRVS token expired before confirmation."),
    # The sweep (integration.services.sweep): a worker died holding the record
    "worker_stopped": _("The worker stopped in the middle of this record; retrying."),
    "worker_gave_up": _("Gave up: the worker stopped in the middle of this record every time."),
    "rejection_interrupted": _(
        "The rejection was interrupted before OpenCRVS answered: check the record in OpenCRVS, "
        "then reject it again (or mark it resolved if OpenCRVS shows it rejected)."
    ),
    # Our own side (integration.services.failures, progress)
    "our_outage": _("The portal's own %(service)s was out of reach (%(error)s); retrying."),
    "unexpected": _("Unexpected %(error)s"),
    "gave_up": _("Gave up after %(attempts)s attempts: %(cause)s"),
    # The record's fields, as MOSIP's ID object validator checks them
    # (integration.mapping.validation)
    "mapping_problems": _("%(problems)s"),
    "field_required": _("%(field)s is required by the ID schema but was not mapped"),
    "field_type": _("%(field)s must be %(kind)s, got %(value)s"),
    "field_format": _("%(field)s %(value)s does not match the ID schema's format"),
    "field_not_written": _(
        "%(field)s is required by MOSIP's ID schema, but the schemaJson sent with the packet "
        "does not define it, so MOSIP does not write it"
    ),
    "field_not_found": _(
        "%(field)s is required but nothing was found at %(where)s; if the source never has "
        "it, an admin can set a default on the profile's row"
    ),
    "no_profile": _(
        "No active mapping profile answers to %(format)s event type %(type)s. Add one in the "
        "admin, then resubmit."
    ),
    # MOSIP's own rules after validation (integration.mapping.mosip_rules)
    "dob_not_date": _("dateOfBirth %(value)s is not a date in MOSIP's format %(format)s"),
    "dob_future": _("dateOfBirth %(value)s is in the future"),
    "route_needs_age": _(
        "MOSIP's %(process)s route needs the person's age (dateOfBirth or age) to tag an "
        "infant; none was mapped"
    ),
    "route_infants_only": _(
        "MOSIP's %(process)s route registers infants only (under %(limit)s years); this "
        "person is %(age)s"
    ),
    # A credential MOSIP's hub delivered, refused (integration.services.credential,
    # credential_proof): shown on the record's timeline
    "credential_not_event": _("not a CREDENTIAL_ISSUED event: `event.data.credential` is missing"),
    "credential_type_unread": _(
        "credential type %(credential_type)s is not one the portal reads (%(readable)s)"
    ),
    "credential_no_keystore": _("no credential keystore is configured in the MOSIP settings"),
    "credential_unreadable": _("the credential cannot be read: %(error)s"),
    "credential_keystores_failed": _("%(problems)s"),
    "current_keystore_unusable": _("the current credential keystore cannot be used: %(error)s"),
    "previous_keystore_unusable": _("the previous credential keystore cannot be used: %(error)s"),
    "current_keystore_wrong": _(
        "the credential cannot be decrypted with our current keystore: %(error)s"
    ),
    "previous_keystore_wrong": _(
        "the credential cannot be decrypted with our previous keystore: %(error)s"
    ),
    "proof_key_unreachable": _("the verification key cannot be fetched: %(error)s"),
    "proof_context_unreachable": _("a JSON-LD context cannot be fetched: %(error)s"),
    "proof_invalid": _("the credential's proof does not verify: %(error)s"),
    "credential_id_unsigned": _(
        "the credential's %(key)s is not covered by its signature (its JSON-LD context "
        "does not define %(key)s, or its subject has no absolute id)"
    ),
    "credential_subject_mismatch": _("the credential's subject does not match its registrationId"),
    "credential_no_submission": _("no submission has transaction id %(transaction_id)s"),
    "credential_no_national_id": _("a birth credential without a national id (%(key)s)"),
    # MOSIP IDA and E-Signet (integration.clients.ida, esignet): /verify and the
    # connection tests
    "ida_not_json": _("MOSIP IDA answered HTTP %(status)s with something that is not its JSON"),
    "ida_no_auth_status": _("MOSIP IDA answered HTTP %(status)s without response.authStatus"),
    "esignet_token_refused": _("E-Signet refused the token request: %(error)s"),
    "esignet_no_token": _("E-Signet's token answer has no access_token"),
    "remote_document_not_json": _("%(system)s at %(url)s is not JSON"),
    # The portal's own settings stand in the way (integration.services.packet): retried,
    # uncounted, until an admin fixes them
    "no_id_schema": _(
        "No ID schema is in force: no packet is sent without one. Choose the ID schema in "
        "the MOSIP settings; the record is retried."
    ),
    "id_schema_without_fields": _(
        "The ID schema in force has no properties.identity.properties: no packet is sent "
        "without one. Choose the ID schema in the MOSIP settings; the record is retried."
    ),
    "no_officer": _(
        "MOSIP's %(process)s route fails a packet without an officer or supervisor in "
        "metaInfo.operationsData (officerId or supervisorId), and neither the request nor "
        "the MOSIP settings name one: set the registration officer id in the MOSIP settings. "
        "No packet is sent until then; retried."
    ),
    # A row's transform (integration.mapping.transforms, engine) and the declaration
    # it reads (integration.services.declaration)
    "value_not_a_date": _("%(value)s is not a date in a known format"),
    "value_not_listed": _("%(value)s is not one of %(choices)s"),
    "part_not_listed": _("%(part)s is not one of %(choices)s"),
    "row_failed": _("%(field)s: %(problem)s"),
    "row_error": _("%(field)s: %(value)s"),
    "declaration_unreadable": _(
        "%(problem)s (OpenCRVS's declaration, where this value is taken from, could not be "
        "read: no OpenCRVS system client is set and the record's token may not read the "
        "event (it lacks record.read, or has expired). Set up the system client in the "
        "OpenCRVS settings, then resubmit.)"
    ),
    # A delivery the Inbound page shows (integration.services.inbound)
    "inbound_signature_wrong": _("X-Hub-Signature does not match"),
    "inbound_no_webhook_secret": _("no webhook secret is configured in the OpenCRVS settings"),
    "inbound_outage": _("the %(service)s is unavailable"),
    "inbound_unexpected": _("unexpected %(error)s"),
    "inbound_invalid": _("not a delivery the portal can read; it was answered:"),
    # /verify's staff rows (integration.services.verification, esignet)
    "ida_not_configured": _("MOSIP IDA is not configured in the portal."),
    "ida_no_name": _("no name was given"),
    "ida_settings_unusable": _("The portal's IDA settings cannot be used: %(error)s"),
    "nid_not_checked": _("%(cause)s; the NID could not be checked."),
    "ida_answered": _("MOSIP IDA answered %(codes)s"),
    "ida_refused_request": _("MOSIP IDA refused the portal's request: %(codes)s"),
    "esignet_not_configured": _("E-Signet is not configured in the portal."),
    "esignet_userinfo_refused": _("E-Signet's user info was refused: %(error)s"),
    "esignet_settings_unusable": _("The portal's E-Signet settings cannot be used: %(error)s"),
    # MOSIP's workflow-completed events the Inbound page shows as not applied
    # (integration.services.workflow_events)
    "workflow_unknown_record": _("no record has this registration id: ignored"),
    "workflow_unanswered": _("MOSIP's transaction search did not answer: its reason is read later"),
    "workflow_not_started_yet": _("the workflow start is not recorded yet: the event came first"),
    # What a staff action did, or why it did nothing (integration.services.staff_actions,
    # ownership): the audit entry's words, on the record, the bulk job and the audit log
    "action_changed_meanwhile": _("It changed meanwhile."),
    "action_resumed": _(
        "Queued to resume MOSIP transaction id %(old)s: MOSIP may hold its packet already, so "
        "no new packet is made."
    ),
    "action_queued": _("Queued for delivery under MOSIP transaction id %(new)s."),
    "action_queued_again": _(
        "Queued for delivery under MOSIP transaction id %(new)s (was %(old)s, which MOSIP "
        "refused or never received)."
    ),
    "action_queued_confirmation": _("Queued for confirmation in OpenCRVS."),
    "action_token_gone": _("The record's OpenCRVS token is gone, so OpenCRVS cannot be asked."),
    "action_cannot_ask": _("OpenCRVS cannot be asked: %(error)s"),
    "action_not_rejected": _("OpenCRVS did not reject it: %(error)s"),
    "action_rejected": _(
        "Rejected in OpenCRVS; the record's token is wiped. The reason is kept here only: "
        "OpenCRVS does not record it."
    ),
    "action_resolved": _(
        "Marked resolved; nothing more happens on its own and the token is wiped."
    ),
    "action_cannot_resubmit": _("A record that is “%(status)s” cannot be resubmitted."),
    "action_credential_issued": _(
        "MOSIP has already issued this record's credential: resubmitting would register the "
        "person twice. Use “Retry the confirmation” instead."
    ),
    "action_no_confirmation": _("A record that is “%(status)s” has no confirmation to retry."),
    "action_not_issued_yet": _("MOSIP has not issued the credential yet: resubmit instead."),
    "action_cannot_reject": _("A record that is “%(status)s” cannot be rejected from here."),
    "action_cannot_resolve": _("A record that is “%(status)s” cannot be marked resolved."),
    "no_such_record": _("There is no record with id %(id)s."),
    # The portal's own runs, stopped (integration.services.retention, reconciliation) and
    # its WebSub subscription request refused (integration.services.websub)
    "retention_stopped": _("%(error)s: stopped part-way; the next run continues"),
    "personal_data_erased": _(
        "Erased the raw request, the fields sent to MOSIP, the VIDs, the token, personal "
        "values in its messages and staff notes, and the requests and replies quoted in "
        "%(calls)s call records. Kept its identifiers, statuses and timestamps."
    ),
    "run_unexpected": _("Unexpected error: %(kind)s"),
    # Why the retention policy erased a record (the erase entry's "why"; `ended` is an
    # ISO date)
    "retention_due": _("%(days)s days after the record ended (%(ended)s)."),
    # The reconciliation with OpenCRVS (integration.services.reconciliation): why a run
    # could not run, why it could not act on an event, what a person's take-in did
    "reconciliation_no_system_client": _(
        "No OpenCRVS system client is set up: the reconciliation needs one (the admin's "
        "OpenCRVS settings) with the scopes record.read and record.search."
    ),
    "reconciliation_no_search_scope": _(
        "the system client's token lacks the scope record.search (recordsearch on 1.9): "
        "the reconciliation with OpenCRVS cannot list events"
    ),
    "reconciliation_no_profile": _(
        "No active mapping profile takes OpenCRVS events: nothing to compare."
    ),
    "reconciliation_confirmed_often": _(
        "OpenCRVS accepted the confirmation %(n)s times and still shows the event waiting: "
        "a person checks it in OpenCRVS."
    ),
    "taken_in": _("Taken in from OpenCRVS as record %(pk)s."),
    "taken_in_already": _("The portal holds this event already (record %(pk)s)."),
    "taken_in_listed": _("Listed by the reconciliation with OpenCRVS."),
    # An event the portal cannot take in (integration.services.intake): OpenCRVS reads
    # the English text in the API's answer, staff the code (the reconciliation's page)
    "intake_no_profile": _(
        "No active mapping profile answers to event type '%(type)s'; an integration admin "
        "can add one in the admin."
    ),
    "intake_no_certificate_number": _(
        "The '%(profile)s' profile made no usable certificate number (%(number)s)."
    ),
    "intake_event_conflict": _(
        "Certificate number %(number)s belongs to another OpenCRVS event (tracking id "
        "%(tracking_id)s); this token is for event %(event_id)s. A token confirms one "
        "record only."
    ),
}

# How a remote's own words follow the sentence in the English text, when not ": …".
VERBATIM_FORMATS = {
    "mosip_rejected": "{sentence} ({verbatim})",
    "esignet_token_refused": "{sentence} ({verbatim})",
    # The English text stays what these rows held before codes.
    "inbound_invalid": "{verbatim}",
    "ida_answered": "{verbatim}",
    "ida_refused_request": "{sentence} {verbatim}",
}

# Parameters that may quote a person's data: masked for those who may not see it.
PERSONAL_PARAMS = frozenset({"value", "verbatim", "age"})
# Parameters whose value is itself an English msgid (validation.KIND_WORDS, the names
# below): translated when shown; any other value is shown as stored.
TRANSLATED_PARAMS = frozenset({"kind", "system", "source", "service", "token"})

# The names the clients give the systems they call (`what` of integration.clients.http.send),
# as stored: msgids, so a reason names them in the reader's language.
SYSTEM_NAMES = (
    gettext_noop("MOSIP"),
    gettext_noop("MOSIP auth"),
    gettext_noop("MOSIP create packet"),
    gettext_noop("MOSIP start workflow"),
    gettext_noop("MOSIP ID repository"),
    gettext_noop("MOSIP masterdata"),
    gettext_noop("MOSIP WebSub hub"),
    gettext_noop("MOSIP credential request"),
    gettext_noop("MOSIP status search"),
    gettext_noop("MOSIP registration status"),
    gettext_noop("MOSIP processing steps"),
    gettext_noop("OpenCRVS gateway"),
    gettext_noop("OpenCRVS auth"),
    gettext_noop("OpenCRVS search"),
    gettext_noop("OpenCRVS webhooks API"),
    gettext_noop("the OpenCRVS public key"),
    gettext_noop("E-Signet discovery"),
    gettext_noop("E-Signet token endpoint"),
    gettext_noop("E-Signet pushed authorisation"),
    gettext_noop("MOSIP IDA"),
    gettext_noop("E-Signet token"),
    gettext_noop("E-Signet user info"),
    gettext_noop("E-Signet JWKS"),
    gettext_noop("E-Signet keys"),
    gettext_noop("the record's token"),
    gettext_noop("the system client's token"),
    gettext_noop("the token for the event look-up"),
    gettext_noop("database"),
    gettext_noop("cache"),
    gettext_noop("broker"),
)
