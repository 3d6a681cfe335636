"""Failure reasons in the reader's language: stored as a code and its values, shown in
French on the French console and admin, the remote system's own words kept apart (quoted,
marked as its verbatim text, never translated); rows stored before codes keep their text."""

import re

import pytest
import requests
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse
from django.utils import translation

from integration.clients.esignet import EsignetRefused
from integration.clients.http import RemoteError, raise_for_status
from integration.mapping.engine import map_fields
from integration.mapping.validation import validate_fields
from integration.models import FieldMapping, MappingProfile, Status, Submission
from integration.models.submission import Step
from integration.reason_codes import REASONS
from integration.reasons import Reason, staff_words
from integration.services import lifecycle
from integration.services.credential import receive_credential
from integration.services.failures import classify
from integration.services.packet import MappingFailed, NoOfficer
from integration.services.progress import after_failure

pytestmark = pytest.mark.django_db

FRENCH = {"HTTP_ACCEPT_LANGUAGE": "fr-FR,fr"}
MOSIP_SAYS = "KER-IOV-004: Invalid input parameter - dateOfBirth"
# The English sentences of the reasons below: none may show on a French page.
ENGLISH = ("answered HTTP", "does not match the ID schema", "Gave up after", "refused the")
SCHEMA = {
    "properties": {
        "identity": {
            "required": [],
            "properties": {
                "dateOfBirth": {
                    "type": "string",
                    "validators": [{"type": "regex", "validator": r"^\d{4}/\d{2}/\d{2}$"}],
                }
            },
        }
    }
}


@pytest.fixture(autouse=True)
def english_after():
    """French pages leave French active in this thread: the next module reads English."""
    yield
    translation.activate("en")


def mosip_reply(status: int, body: str) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = body.encode()
    response.headers["Content-Type"] = "application/json"
    return response


def refused_by_mosip() -> RemoteError:
    body = '{"errors": [{"errorCode": "KER-IOV-004", "message": "Invalid input parameter - dateOfBirth"}]}'  # noqa: E501
    try:
        raise_for_status(mosip_reply(400, body), "MOSIP create packet")
    except RemoteError as error:
        return error
    raise AssertionError("a 400 is a RemoteError")


def fail_as_a_worker_would(record: Submission, error: Exception, step: str) -> Submission:
    """The delivery worker's own path: claim, classify, act on the failure."""
    claimed = lifecycle.claim(record.pk, "claim_delivery")
    after_failure(claimed, classify(error), step, retry="delivery_retry", fail_as="delivery_failed")
    return Submission.objects.get(pk=record.pk)


@pytest.fixture
def refused(make_submission):
    record = make_submission(Status.RECEIVED, last_error="")
    return fail_as_a_worker_would(record, refused_by_mosip(), Step.CREATE_PACKET)


@pytest.fixture
def unmappable(make_submission):
    record = make_submission(Status.RECEIVED, last_error="")
    problems = validate_fields({"dateOfBirth": "31st of Jan"}, SCHEMA)
    return fail_as_a_worker_would(record, MappingFailed(problems), Step.MAPPING)


def visible_text(html: str) -> str:
    """What a reader sees, the remote's marked verbatim blocks left out."""
    html = re.sub(r"<figure class='verbatim'.*?</figure>", " ", html, flags=re.S)
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def test_a_failure_is_stored_as_its_code_with_the_remotes_words_apart(refused):
    assert refused.status == Status.FAILED
    assert refused.reason_code == "remote_http"
    assert refused.reason_params == {
        "system": "MOSIP create packet",
        "status": 400,
        "verbatim": MOSIP_SAYS,
        "source": "MOSIP create packet",
    }
    # The English text stays for logs, the API and older readers.
    assert refused.last_error == f"MOSIP create packet answered HTTP 400: {MOSIP_SAYS}"


def test_the_record_page_says_why_in_french_and_quotes_mosip_as_it_said(support_client, refused):
    page = support_client.get(reverse("console:submission", args=[refused.pk]), **FRENCH)
    html = page.content.decode()
    assert "MOSIP (création du paquet) a répondu HTTP 400" in html
    verbatim = re.search(r"<figure class='verbatim'.*?</figure>", html, flags=re.S).group(0)
    assert "Texte exact de MOSIP (création du paquet) (tel qu’envoyé, non traduit)" in verbatim
    assert f"<code>{MOSIP_SAYS}</code>" in verbatim and "lang='en'" in verbatim
    assert not [words for words in ENGLISH if words in visible_text(html)]


def test_a_mapping_failure_names_the_field_in_french(support_client, unmappable):
    assert unmappable.reason_code == "mapping_problems"
    assert "dateOfBirth '31st of Jan' does not match the ID schema's format" in (
        unmappable.last_error
    )
    html = support_client.get(
        reverse("console:submission", args=[unmappable.pk]), **FRENCH
    ).content.decode()
    assert "dateOfBirth &#x27;31st of Jan&#x27; ne respecte pas le format du schéma" in html
    listing = support_client.get(reverse("console:submissions"), **FRENCH).content.decode()
    assert "ne respecte pas le format du schéma d’identité" in listing
    assert not [words for words in ENGLISH if words in visible_text(listing)]


def test_those_who_may_not_see_personal_data_read_it_masked(auditor_client, unmappable):
    html = auditor_client.get(
        reverse("console:submission", args=[unmappable.pk]), **FRENCH
    ).content.decode()
    assert "ne respecte pas le format du schéma" in html
    assert "31st of Jan" not in html  # neither the reason nor its call on the timeline


def test_retries_used_up_say_so_and_why_in_french(support_client, make_submission, portal_settings):
    record = make_submission(Status.RECEIVED, last_error="")
    Submission.objects.filter(pk=record.pk).update(retry_count=portal_settings.MAX_ATTEMPTS - 1)
    try:
        raise_for_status(mosip_reply(503, '{"message": "upstream unavailable"}'), "MOSIP auth")
    except RemoteError as error:
        failed = fail_as_a_worker_would(record, error, Step.AUTH)
    assert failed.status == Status.FAILED and failed.reason_code == "gave_up"
    attempts = portal_settings.MAX_ATTEMPTS
    assert failed.last_error == (
        f"Gave up after {attempts} attempts: MOSIP auth answered HTTP 503: upstream unavailable"
    )
    html = support_client.get(
        reverse("console:submission", args=[failed.pk]), **FRENCH
    ).content.decode()
    attempts = portal_settings.MAX_ATTEMPTS
    assert (
        f"Abandon après {attempts} tentatives : Authentification MOSIP a répondu HTTP 503" in html
    )
    assert "<code>upstream unavailable</code>" in html


@override_settings(CONSOLE_DASHBOARD_CACHE_SECONDS=30)
def test_the_dashboard_is_cached_per_language(support_client, refused):
    cache.clear()
    english = support_client.get(reverse("console:dashboard"), HTTP_ACCEPT_LANGUAGE="en")
    french = support_client.get(reverse("console:dashboard"), **FRENCH).content.decode()
    assert "Last 24 hours" in english.content.decode()
    assert "Dernières 24 heures" in french and "Last 24 hours" not in french
    # The group of failures reads in French; the chart's days are French days.
    assert "MOSIP (création du paquet) a répondu HTTP 400" in french
    days = re.findall(r"<text[^>]*>([^<]*)</text>", french)
    assert not [day for day in days if re.match(r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun) ", day)]
    assert [day for day in days if re.match(r"(lun|mar|mer|jeu|ven|sam|dim)\.? ", day)]


def test_a_row_stored_before_codes_shows_its_text(support_client, make_submission):
    old = make_submission(Status.FAILED, last_error="MOSIP answered HTTP 400: no")
    assert old.reason_code == ""
    html = support_client.get(reverse("console:submission", args=[old.pk]), **FRENCH)
    assert "MOSIP answered HTTP 400: no" in html.content.decode()


def test_the_admin_shows_the_reason_in_french(admin_client_, refused):
    change = reverse("admin:integration_submission_change", args=[refused.pk])
    html = admin_client_.get(change, **FRENCH).content.decode()
    assert "MOSIP (création du paquet) a répondu HTTP 400" in html
    assert f"<code>{MOSIP_SAYS}</code>" in html
    listing = admin_client_.get(reverse("admin:integration_submission_changelist"), **FRENCH)
    assert "MOSIP (création du paquet) a répondu HTTP 400" in listing.content.decode()


def test_a_connection_test_answer_quotes_the_remote_in_the_readers_language():
    with translation.override("fr"):
        said = staff_words(refused_by_mosip())
    assert said == f"MOSIP (création du paquet) a répondu HTTP 400 : « {MOSIP_SAYS} »"


def test_every_reason_reads_in_french():
    """Each code's sentence has its French text (a sentence made of values only aside)."""
    values = {"system": "X", "status": 1, "error": "E", "where": "W", "service": "S"}
    values |= {"attempts": 3, "cause": "C", "field": "F", "kind": "K", "value": "V"}
    values |= {"problems": "P", "problem": "Q", "peer": "169.254.169.254", "minutes": 5}
    values |= {"times": 2, "ids": "a, b", "token": "T", "url": "U", "what": "W"}
    values |= {"format": "yyyy/MM/dd", "process": "CRVS_NEW", "limit": 6, "age": 9, "type": "T"}
    values |= {"action": "A", "credential_type": "'x'", "readable": "vercred", "key": "VID"}
    values |= {"transaction_id": "1", "codes": "IDA-MLC-001"}
    values |= {"process": "CRVS_NEW", "choices": "female, male", "part": "'x'"}
    values |= {"old": "1", "new": "2", "id": 7, "n": 3, "pk": 8, "calls": 4}
    values |= {"days": 90, "ended": "2026-01-31", "profile": "P", "number": "N"}
    values |= {"tracking_id": "T", "event_id": "E"}
    for code, sentence in REASONS.items():
        with translation.override("en"):
            english = str(sentence) % values
        with translation.override("fr"):
            french = str(Reason(code, **values).for_staff())
        assert french != english or code in VALUES_ONLY, code


VALUES_ONLY = {"mapping_problems", "credential_keystores_failed", "row_failed", "row_error"}


def test_a_transform_that_cannot_read_a_value_says_so_in_french():
    """A row's value map meets a value it does not list: the field's problem reads in
    French, the value quoted as it came; the English text is as before."""
    mapped = {"map": {"female": "F"}}
    row = FieldMapping(target="gender", source="child.gender", transform="value_map", params=mapped)
    document = {"child": {"gender": "male"}}
    _fields, problems, _defaulted, _tracked = map_fields(MappingProfile(), document, [row])
    assert str(problems["gender"]) == "gender: 'male' is not one of female"
    with translation.override("fr"):
        assert problems["gender"].for_staff() == "gender : 'male' ne fait pas partie de : female"


def test_a_record_waiting_for_the_settings_says_what_to_set_in_french(
    support_client, make_submission
):
    """No registration officer id: the record waits (retried, uncounted) and its page
    tells a French reader what to set; the English text stays as logs and tests read it."""
    record = make_submission(Status.RECEIVED, last_error="")
    waiting = fail_as_a_worker_would(
        record, NoOfficer(Reason("no_officer", process="CRVS_NEW")), Step.MAPPING
    )
    assert waiting.status == Status.DELIVERY_RETRY and waiting.reason_code == "no_officer"
    assert "officer or supervisor in metaInfo.operationsData" in waiting.last_error
    page = support_client.get(reverse("console:submission", args=[record.pk]), **FRENCH)
    html = visible_text(page.content.decode())
    assert "indiquez l’identifiant de l’agent d’enregistrement" in html
    assert "set the registration officer id" not in html


def test_ida_and_esignet_refusals_read_in_french_with_their_own_words_quoted():
    """What /verify and the connection tests show of IDA's and E-Signet's answers."""
    ida = RemoteError(Reason("remote_http", system="MOSIP IDA", status=404), retriable=False)
    refused = EsignetRefused("invalid_client", "Client id not registered", 401)
    assert str(refused) == (
        "E-Signet refused the token request: invalid_client (Client id not registered)"
    )
    with translation.override("fr"):
        assert staff_words(ida) == "MOSIP IDA a répondu HTTP 404"
        assert staff_words(refused) == (
            "E-Signet a refusé la demande de jeton : invalid_client : « Client id not registered »"
        )


def test_a_refused_credential_says_why_in_french_on_the_records_timeline(
    support_client, make_submission
):
    """MOSIP's hub delivers a credential the portal cannot open (no keystore in the MOSIP
    settings): the call on the record's timeline says so in French, English in the log."""
    record = make_submission(Status.AWAITING_CREDENTIAL, last_error="")
    event = {"data": {"credential": "e30", "registrationId": record.transaction_id}}
    outcome = receive_credential(event)
    assert outcome.retry and outcome.reason == (
        "no credential keystore is configured in the MOSIP settings"
    )
    call = record.attempts.get(step=Step.CREDENTIAL)
    assert call.reason_code == "credential_no_keystore"
    page = support_client.get(reverse("console:submission", args=[record.pk]), **FRENCH)
    html = page.content.decode()
    assert "aucun magasin de clés pour les attestations n’est configuré" in html
    assert "no credential keystore" not in visible_text(html)


def test_the_dashboard_groups_failures_by_code_whatever_the_remote_said(
    support_client, make_submission
):
    for said in ("RPR-PKR-016: Packet already exists", "KER-IOV-004: Invalid input parameter"):
        record = make_submission(Status.RECEIVED, last_error="")
        reply = mosip_reply(400, '{"errors": [{"message": "%s"}]}' % said)  # noqa: UP031
        try:
            raise_for_status(reply, "MOSIP create packet")
        except RemoteError as error:
            fail_as_a_worker_would(record, error, Step.CREATE_PACKET)
    page = support_client.get(reverse("console:dashboard"), **FRENCH)
    groups = page.context["dash"].reasons
    assert [(g.reason, g.count) for g in groups] == [("MOSIP create packet answered HTTP 400", 2)]
    assert groups[0].label.startswith("MOSIP (création du paquet) a répondu HTTP 400 : « ")


def test_an_actions_flash_message_is_in_french_and_its_audit_entry_in_english(
    support_client, make_submission
):
    from integration.models import StaffAction

    failed = make_submission(Status.FAILED)
    url = reverse("console:submission-action", args=[failed.pk, "resolve"])
    reply = support_client.post(url, {"reason": "Réglé par téléphone"}, follow=True, **FRENCH)
    flash = re.search(r'<div class="messages".*?</div>\s*</div>', reply.content.decode(), re.S)
    assert "Marqué comme résolu ; plus rien ne se passe de lui-même" in flash.group(0)
    assert "Marked resolved" not in flash.group(0)
    entry = StaffAction.objects.get(submission=failed)
    assert entry.message.startswith("Marked resolved; nothing more happens on its own")


def test_retention_erases_the_values_a_reason_quotes(unmappable):
    from django.utils import timezone

    from integration.services.retention import erase

    erase(unmappable, 30, timezone.now())
    unmappable.refresh_from_db()
    assert unmappable.reason_code == "" and unmappable.reason_params == {}
    assert "31st of Jan" not in unmappable.last_error
    [call] = unmappable.attempts.all()
    assert call.reason_code == "mapping_problems"
    assert "31st of Jan" not in str(call.reason_params) and "31st of Jan" not in call.error


# --- The Inbound page and /verify's staff rows ----------------------------------------------
def deliver_webhook(client, body: bytes, signature: str = ""):
    headers = {"HTTP_X_HUB_SIGNATURE": signature} if signature else {}
    return client.post("/webhooks/opencrvs", data=body, content_type="application/json",
                       **headers)  # fmt: skip


@pytest.fixture
def inbound_refusals(client, make_submission):
    """One delivery in each refusal class the Inbound page shows, as the senders would
    make them, and one stored before codes."""
    import json

    from integration.models import InboundEvent, OpenCrvsSettings
    from mocks.opencrvs_webhooks import sign

    waiting = make_submission(Status.AWAITING_CREDENTIAL, last_error="")
    credential = {
        "event": {"data": {"credential": "e30", "registrationId": waiting.transaction_id}}
    }
    # No keystore in the MOSIP settings: kept on our side, the hub asked to send it again.
    assert client.post("/websub/callback", data=credential, content_type="application/json"
                       ).status_code == 503  # fmt: skip
    # An OpenCRVS webhook while no webhook secret is set: kept.
    hook = json.dumps({"event": {"hub": {"topic": "NOT_A_TOPIC"}, "context": [{}]}}).encode()
    assert deliver_webhook(client, hook).status_code == 503
    config = OpenCrvsSettings.load()
    config.webhook_secret = "webhook-secret"
    config.save()
    assert deliver_webhook(client, hook, "sha256=00").status_code == 401  # forged
    assert deliver_webhook(client, hook, sign(hook, "webhook-secret")).status_code == 400
    InboundEvent.objects.create(kind="credential", outcome="refused", body=b"{}",
                                error="credential stored before codes")  # fmt: skip
    return {event.outcome + ":" + event.reason_code: event for event in InboundEvent.objects.all()}


INBOUND_ENGLISH = (
    "no credential keystore is configured",
    "no webhook secret is configured",
    "X-Hub-Signature does not match",
    "not a delivery the portal can read",
)


def test_inbound_refusals_are_stored_as_codes_with_their_english_text(inbound_refusals):
    assert set(inbound_refusals) == {
        "kept_for_retry:credential_no_keystore",
        "kept_for_retry:inbound_no_webhook_secret",
        "forged:inbound_signature_wrong",
        "invalid:inbound_invalid",
        "refused:",
    }
    invalid = inbound_refusals["invalid:inbound_invalid"]
    assert invalid.error == "{'topic': [\"Unknown topic 'NOT_A_TOPIC'.\"]}"  # as before
    assert invalid.reason_params == {"verbatim": invalid.error, "source": ""}
    kept = inbound_refusals["kept_for_retry:credential_no_keystore"]
    assert kept.error == "no credential keystore is configured in the MOSIP settings"


def test_the_inbound_page_says_why_in_french(support_client, inbound_refusals):
    html = support_client.get(reverse("console:inbound"), **FRENCH).content.decode()
    assert "aucun magasin de clés pour les attestations n’est configuré" in html
    assert "aucun secret de webhook n’est configuré dans les paramètres OpenCRVS" in html
    assert "l’en-tête X-Hub-Signature ne correspond pas" in html
    assert "livraison que le portail ne sait pas lire" in html
    # What the portal answered the sender is kept apart, as recorded, not translated.
    assert "Détail technique (tel qu’enregistré, non traduit)" in html
    assert "Unknown topic &#x27;NOT_A_TOPIC&#x27;." in html
    assert not [words for words in INBOUND_ENGLISH if words in visible_text(html)]
    # A row stored before codes shows its text.
    assert "credential stored before codes" in html


def test_reprocessing_says_why_in_french(support_client, inbound_refusals):
    kept = inbound_refusals["kept_for_retry:credential_no_keystore"]
    url = reverse("console:inbound-reprocess", args=[kept.pk])
    reply = support_client.post(url, follow=True, **FRENCH).content.decode()
    flash = re.search(r'<div class="messages".*?</div>\s*</div>', reply, re.S).group(0)
    assert "aucun magasin de clés pour les attestations" in flash
    assert "no credential keystore" not in flash


def test_a_records_credential_refusal_reads_in_french(support_client, inbound_refusals):
    kept = inbound_refusals["kept_for_retry:credential_no_keystore"]
    page = support_client.get(reverse("console:submission", args=[kept.submission_id]), **FRENCH)
    html = page.content.decode()
    assert "aucun magasin de clés pour les attestations" in html
    assert "no credential keystore" not in visible_text(html)


@pytest.fixture
def verification_rows(db):
    """/verify's staff rows, one per kind of reason, as the checks write them."""
    from datetime import date

    from integration.clients.ida import Demographics, IdaAnswer, IdaErrorEntry
    from integration.models import VerificationKind, VerificationRecord
    from integration.services import esignet_trust
    from integration.services.esignet import fetch_user_info
    from integration.services.verification import (
        Check,
        VerificationError,
        _outcome,
        verify_identity,
    )

    # Neither IDA nor E-Signet is set up.
    with pytest.raises(VerificationError):
        fetch_user_info("code", "client", "https://crvs.example/")
    with pytest.raises(VerificationError):
        verify_identity("1234567890", Demographics(date(2020, 1, 31), "Jenny", "Doe"))
    # IDA answers that the person's details do not match: IDA's own words, quoted.
    said = IdaErrorEntry("IDA-DEA-001", "Demographic data name did not match")
    _outcome(Check(VerificationKind.IDA), IdaAnswer(False, [said], "1234567890", 200))
    # A remote's HTTP error while checking, its own words kept apart.
    check = Check(VerificationKind.IDA)
    try:
        raise_for_status(mosip_reply(503, '{"message": "upstream unavailable"}'), "MOSIP IDA")
    except RemoteError as error:
        check.fail(Reason("nid_not_checked", cause=error.reason), http_status=503)
    # E-Signet's user info refused by the portal's own checks (readable words, stored).
    try:
        esignet_trust.check_id_token({"iss": "x", "aud": "c", "exp": 1}, "c", "x")
    except esignet_trust.TokenRefused as refused:
        Check(VerificationKind.ESIGNET).fail(Reason("esignet_userinfo_refused", error=refused))
    VerificationRecord.objects.create(kind="ida", result="error", error_message="old row text")
    return VerificationRecord.objects.all()


VERIFY_ENGLISH = (
    "is not configured in the portal",
    "answered HTTP",
    "the NID could not be checked",
    "user info was refused",
    "the ID token has no sub",
    "MOSIP IDA answered",
)


def test_verification_rows_are_stored_as_codes(verification_rows):
    codes = sorted(row.reason_code for row in verification_rows)
    assert codes == sorted(
        ["", "esignet_not_configured", "ida_not_configured", "ida_answered", "nid_not_checked",
         "esignet_userinfo_refused"]
    )  # fmt: skip
    refused = verification_rows.get(reason_code="esignet_userinfo_refused")
    assert refused.error_message == "E-Signet's user info was refused: the ID token has no sub"
    failed = verification_rows.get(reason_code="ida_answered")
    assert failed.error_message == "Demographic data name did not match"  # as before


def test_the_verification_admin_says_why_in_french(admin_client_, verification_rows):
    listing = admin_client_.get(
        reverse("admin:integration_verificationrecord_changelist"), **FRENCH
    ).content.decode()
    assert "MOSIP IDA n’est pas configuré dans le portail." in listing
    assert "E-Signet n’est pas configuré dans le portail." in listing
    assert "MOSIP IDA a répondu HTTP 503 ; le NID n’a pas pu être vérifié." in listing
    assert "le jeton d’identité n’a pas de sub" in listing
    assert "MOSIP IDA a répondu IDA-DEA-001" in listing
    # IDA's own words, marked as such, untranslated.
    assert "<code>Demographic data name did not match</code>" in listing
    assert "<code>upstream unavailable</code>" in listing
    assert "old row text" in listing
    assert not [words for words in VERIFY_ENGLISH if words in visible_text(listing)]
    row = verification_rows.get(reason_code="esignet_userinfo_refused")
    change = reverse("admin:integration_verificationrecord_change", args=[row.pk])
    html = admin_client_.get(change, **FRENCH).content.decode()
    assert "Les informations d’utilisateur d’E-Signet ont été refusées" in html
    assert " error at " not in html  # the page's title
    assert not [words for words in VERIFY_ENGLISH if words in visible_text(html)]


# --- What else staff read: bulk jobs and the audit log, runs, workflow events -------------
STAFF_ENGLISH = (
    "There is no record with id",
    "cannot be marked resolved",
    "Marked resolved",
    "It changed meanwhile",
    "stopped part-way",
    "The job stopped",
    "no record has this registration id",
    "transaction search did not answer",
)


def test_a_bulk_jobs_page_and_the_audit_log_say_what_happened_in_french(
    support, support_client, make_submission
):
    """A job resolving a failed record, a confirmed one (skipped) and one since deleted:
    each entry reads in French on the job's page and in the audit log; the audit entry's
    own text stays English for auditors."""
    from integration.console.tasks import run_bulk_job
    from integration.models import BulkJob, StaffAction
    from integration.services.bulk_jobs import start_bulk_job
    from integration.services.staff_actions import Actor

    failed = make_submission(Status.FAILED)
    confirmed = make_submission(Status.CONFIRMED, token="")
    gone = make_submission(Status.FAILED)
    ids = [failed.pk, confirmed.pk, gone.pk]
    job = start_bulk_job("resolve", Actor.of(support), "Réglé par téléphone", ids)
    Submission.objects.filter(pk=gone.pk).delete()
    run_bulk_job(job.pk)

    missing = StaffAction.objects.get(job=job, submission=None)
    assert missing.message == f"There is no record with id {gone.pk}."
    assert (missing.message_code, missing.message_params) == ("no_such_record", {"id": gone.pk})
    skipped = StaffAction.objects.get(job=job, submission=confirmed)
    assert skipped.message == "A record that is “Confirmed” cannot be marked resolved."
    for page in (
        support_client.get(reverse("console:job", args=[job.pk]), **FRENCH),
        support_client.get(reverse("console:audit"), {"job": job.pk}, **FRENCH),
    ):
        html = page.content.decode()
        assert f"Il n’y a aucun enregistrement d’identifiant {gone.pk}." in html
        assert "ne peut pas être marqué comme résolu" in html
        assert "Marqué comme résolu ; plus rien ne se passe de lui-même" in html
        assert not [words for words in STAFF_ENGLISH if words in visible_text(html)]

    # A job stopped by an error says so in French; the error's text is marked as recorded.
    BulkJob.objects.filter(pk=job.pk).update(state="failed", error="OperationalError: gone")
    html = support_client.get(reverse("console:job", args=[job.pk]), **FRENCH).content.decode()
    assert "La tâche s’est arrêtée sur une erreur" in html
    assert "<code>OperationalError: gone</code>" in html
    assert not [words for words in STAFF_ENGLISH if words in visible_text(html)]


def test_a_stopped_retention_run_says_so_in_french_in_the_admin(admin_client_):
    from integration.models import RetentionPolicy
    from integration.services.retention import apply_retention

    # A period no date can reach stops the run part-way, as any error would.
    RetentionPolicy.objects.update_or_create(
        pk=1, defaults={"enabled": True, "personal_data_days": 1_000_000}
    )
    run = apply_retention()
    assert run.error == "OverflowError: stopped part-way; the next run continues"
    assert run.reason_code == "retention_stopped"
    listing = admin_client_.get(
        reverse("admin:integration_retentionrun_changelist"), **FRENCH
    ).content.decode()
    assert "OverflowError : arrêté en cours de route ; le prochain passage reprend" in listing
    assert not [words for words in STAFF_ENGLISH if words in visible_text(listing)]


def test_an_ignored_workflow_event_says_why_in_french_on_the_inbound_page(support_client):
    """MOSIP's workflow-completed event for another system's packet: kept, ignored, and
    its reason stored as a code (English kept as the row's text)."""
    import json

    from integration.models import InboundEvent, InboundKind
    from integration.services import inbound

    body = json.dumps({"instanceId": "100019999999999", "resultCode": "REJECTED"}).encode()
    event = InboundEvent.objects.create(kind=InboundKind.MOSIP_WORKFLOW, body=body)
    handled = inbound.handle(event)
    event.refresh_from_db()
    assert handled.status == 200 and event.reason_code == "workflow_unknown_record"
    assert event.error == "no record has this registration id: ignored"
    html = support_client.get(reverse("console:inbound"), **FRENCH).content.decode()
    assert "aucun enregistrement n’a cet identifiant d’enregistrement : ignoré" in html
    assert not [words for words in STAFF_ENGLISH if words in visible_text(html)]


def test_a_failed_websub_request_says_why_in_french(support_client, admin_client_):
    """MOSIP out of reach when the portal subscribes: the dashboard and the MOSIP settings
    page say why in French; the row keeps the English text."""
    from demo.stand_ins import configure_for_stand_ins
    from integration.models import WebSubSubscription
    from integration.services import websub

    configure_for_stand_ins("http://127.0.0.1:1", "http://127.0.0.1:1", "http://127.0.0.1:1")
    with pytest.raises(RemoteError):
        websub.subscribe()
    row = WebSubSubscription.objects.get(pk=websub.SUBSCRIPTION)
    assert row.request_reason_code == "remote_unreachable"
    assert row.request_error.startswith("could not connect to MOSIP")
    cache.clear()
    for page in (
        support_client.get(reverse("console:dashboard"), **FRENCH),
        admin_client_.get("/admin/integration/mosipsettings/1/change/", **FRENCH),
    ):
        html = page.content.decode()
        assert "La dernière demande d’abonnement WebSub a échoué (connexion impossible à" in html
        assert "could not connect" not in visible_text(html)


# --- What the portal itself writes: retention's entry, intake's refusals, the calls table ---
PORTAL_ENGLISH = (
    "Retention policy",
    "days after the record ended",
    "Erased the raw request",
    "No active mapping profile",
    "belongs to another OpenCRVS event",
)


def test_retentions_erase_entry_says_who_and_why_in_french(support_client, make_submission):
    """The audit entry keeps its English words; the audit log and the record's timeline
    name the policy and say why in the reader's language."""
    from datetime import timedelta

    from django.utils import timezone

    from integration.models import StaffAction
    from integration.services.retention import erase

    ended = make_submission(Status.CONFIRMED, token="")
    Submission.objects.filter(pk=ended.pk).update(updated_at=timezone.now() - timedelta(days=91))
    ended.refresh_from_db()
    erase(ended, 90, timezone.now())
    entry = StaffAction.objects.get(submission=ended, kind="erase")
    day = f"{ended.updated_at:%Y-%m-%d}"
    assert (entry.actor_name, entry.reason) == (
        "Retention policy",
        f"90 days after the record ended ({day}).",
    )
    assert entry.message_params["why"] == {
        "code": "retention_due",
        "params": {"days": 90, "ended": day},
    }
    for page in (
        support_client.get(reverse("console:audit"), **FRENCH),
        support_client.get(reverse("console:submission", args=[ended.pk]), **FRENCH),
    ):
        html = page.content.decode()
        assert "Politique de conservation" in html
        assert f"90 jours après la fin du dossier ({day})." in html
        assert "Effacé la requête brute" in html
        assert not [words for words in PORTAL_ENGLISH if words in visible_text(html)]
    english = support_client.get(reverse("console:audit")).content.decode()
    assert "Retention policy" in english and "90 days after the record ended" in english


def test_a_record_intake_refuses_reads_in_french_and_stays_english_for_opencrvs(
    make_submission,
):
    from integration.services import intake
    from integration.services.record_token import RecordToken

    event = {"id": "e-1", "type": "v2.unknown", "trackingId": "B1", "actions": []}
    with pytest.raises(intake.NotConfigured) as refused:
        intake.from_event_document(event, RecordToken(raw="", claims={"eventId": "e-1"}))
    assert str(refused.value) == (
        "No active mapping profile answers to event type 'v2.unknown'; an integration admin "
        "can add one in the admin."
    )
    with translation.override("fr"):
        assert staff_words(refused.value) == (
            "Aucun profil de correspondance actif ne répond au type d’événement « v2.unknown » ; "
            "un administrateur de l’intégration peut en ajouter un dans l’administration."
        )

    held = make_submission(Status.CONFIRMED, event_id="e-2")
    token = RecordToken(raw="t", claims={"eventId": "e-3", "actionId": "a"})
    incoming = intake.Incoming(
        "event", "birth", "v2.birth", "B2", held.certificate_number, {}, token
    )
    with pytest.raises(intake.EventConflict) as conflict:
        intake.receive(incoming)
    assert str(conflict.value).startswith(
        f"Certificate number {held.certificate_number} belongs to another OpenCRVS event"
    )
    with translation.override("fr"):
        said = staff_words(conflict.value)
    assert said.startswith(f"Le n° d’acte {held.certificate_number} appartient à un autre")
    assert "ce jeton est celui de l’événement e-3" in said


def test_the_records_admin_shows_each_calls_reason_in_french(admin_client_, unmappable):
    """The calls table, as the record's page: the reason in French, a remote's own words
    in a block marked as its verbatim text."""
    from integration.models import Attempt

    said = refused_by_mosip().reason
    Attempt.objects.create(
        submission=unmappable,
        step=Step.CREATE_PACKET,
        url="http://mosip.test/packet",
        http_status=400,
        error=str(said),
        **said.stored(),
    )
    change = reverse("admin:integration_submission_change", args=[unmappable.pk])
    html = admin_client_.get(change, **FRENCH).content.decode()
    calls = html[html.index('id="attempts-group"') :]
    assert "ne respecte pas le format du schéma d’identité" in calls
    assert "MOSIP (création du paquet) a répondu HTTP 400" in calls
    assert f"<code>{MOSIP_SAYS}</code>" in calls
    assert not [words for words in ENGLISH if words in visible_text(html)]


def test_the_hubs_denial_is_marked_as_its_own_words(admin_client_):
    from django.utils import timezone

    from demo.stand_ins import configure_for_stand_ins
    from integration.models import MosipSettings, WebSubSubscription
    from integration.services import websub

    configure_for_stand_ins("http://127.0.0.1:1", "http://127.0.0.1:1", "http://127.0.0.1:1")
    config = MosipSettings.load()
    WebSubSubscription.objects.create(
        pk=websub.SUBSCRIPTION,
        hub_url=config.websub_hub_url,
        topic=config.websub_topic,
        callback_url=config.websub_callback_url,
        mode="subscribe",
        requested_at=timezone.now(),
    )
    websub.denied(config.websub_topic, "topic not registered")
    assert websub.standing().state == "denied"
    with translation.override("fr"):
        problem = websub.standing().problem()
    assert problem.startswith(
        "Le hub WebSub de MOSIP a refusé l’abonnement (dans les propres mots du hub, non "
        "traduits : « topic not registered »)"
    )
    cache.clear()
    html = admin_client_.get("/admin/integration/mosipsettings/1/change/", **FRENCH)
    assert "non traduits : « topic not registered »" in html.content.decode()
