"""Reconciliation with OpenCRVS: what OpenCRVS waits for and the portal never got is found
and confirmed; what the portal confirmed and OpenCRVS still shows waiting is confirmed
again; with "list", a person takes it in; a system client that may not search is said
so, not a crash. The portal is served by gunicorn with a real worker; OpenCRVS and MOSIP
are the stand-ins, answering core's search and event shapes."""

import time
from datetime import timedelta

import jwt
import pytest
import requests
from django.urls import reverse
from django.utils import timezone

from integration.clients.opencrvs_auth import OpenCrvsAuth
from integration.models import (
    Attempt,
    OpenCrvsSettings,
    ReconciliationRun,
    StaffAction,
    Status,
    Submission,
)
from integration.models.submission import Step
from integration.roles import Role
from integration.services import reconciliation
from mocks import examples
from mocks.opencrvs import SYSTEM_CLIENT
from tests.api.test_other_formats import BIRTH
from tests.console.conftest import client_for, make_user
from tests.support.mapping_defaults import load_defaults_with_address_default
from tests.support.metrics import METRICS_TOKEN, scrape

NO_SEARCH = ("no-search-client", "no-search-secret")


def use_system_client(opencrvs, client=SYSTEM_CLIENT) -> None:
    config = OpenCrvsSettings.load()
    config.auth_url = opencrvs.url
    config.client_id, config.client_secret = client
    config.save()


def waiting_event(minutes_ago: float = 60) -> dict:
    """A birth declared an hour ago and sent for external validation (REGISTER requested)."""
    return examples.waiting_event(BIRTH, timezone.now() - timedelta(minutes=minutes_ago))


def wait_until(condition, timeout: float = 20.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what or condition}")


@pytest.fixture
def reconciling(pipeline):
    load_defaults_with_address_default()
    use_system_client(pipeline.opencrvs)
    return pipeline


@pytest.mark.e2e
def test_an_event_whose_country_config_call_was_lost_is_found_and_confirmed(reconciling):
    opencrvs = reconciling.opencrvs
    event = opencrvs.lose_delivery(waiting_event())
    assert not Submission.objects.exists()

    run = reconciliation.reconcile()

    assert run.error == ""
    assert (run.events_seen, run.missing, run.taken_in, run.listed) == (1, 1, 1, 0)
    [finding] = run.findings
    assert finding["event_id"] == event.id and finding["done"] == "taken_in"
    submission = Submission.objects.get(event_id=event.id)
    assert submission.action_id == event.action_id and submission.token == ""
    reconciling.wait_for(submission.certificate_number, Status.CONFIRMED)
    assert opencrvs.event_status(event.id) == "accepted"
    # Confirmed with an action-confirmation token made for the system client: the record
    # never had a token of its own.
    [accept] = opencrvs.accepted
    assert (accept.claims["eventId"], accept.claims["actionId"]) == (event.id, event.action_id)
    assert accept.claims["sub"] == SYSTEM_CLIENT[0]
    assert accept.input["declaration"] == {"child.nid": Submission.objects.get().vid}
    # What OpenCRVS was asked: core's QueryType, registered or waiting, in a window.
    query = opencrvs.searches[0]["query"]
    assert query["type"] == "or"
    registered, waiting = [c for c in query["clauses"] if c["eventType"] == "v2.birth"]
    assert registered["status"] == {"type": "exact", "term": "REGISTERED"}
    assert registered["legalStatuses.REGISTERED.acceptedAt"]["type"] == "range"
    assert waiting["flags"] == {"anyOf": ["register:requested"]}
    assert waiting["updatedAt"]["type"] == "range"
    # Registered now, and held by the portal: the next run finds no difference.
    again = reconciliation.reconcile()
    assert (again.error, again.events_seen, again.differences) == ("", 1, 0)
    assert Submission.objects.count() == 1


@pytest.mark.e2e
def test_a_confirmed_record_that_opencrvs_still_shows_waiting_is_confirmed_again(
    reconciling, portal_settings
):
    portal_settings.RECONCILIATION_GRACE_SECONDS = 0
    opencrvs = reconciling.opencrvs
    document = waiting_event()
    event = opencrvs.add_event(document)
    token = opencrvs.mint_token(event_id=event.id, action_id=event.action_id)
    reply = requests.post(
        f"{reconciling.portal_url}/trigger/events/v2.birth/actions/REGISTER",
        json=document,
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert reply.status_code == 202, reply.text
    number = Submission.objects.get().certificate_number
    first = reconciling.wait_for(number, Status.CONFIRMED)
    opencrvs.forget_confirmation(event.id)  # OpenCRVS lost what it accepted
    assert opencrvs.event_status(event.id) == "pending"

    run = reconciliation.reconcile()

    assert (run.error, run.still_waiting, run.confirmed_again, run.missing) == ("", 1, 1, 0)
    wait_until(lambda: len(opencrvs.accepted) == 2, what="a second acceptance")
    record = reconciling.wait_for(number, Status.CONFIRMED)
    assert record.confirmed_at > first.confirmed_at
    assert opencrvs.event_status(event.id) == "accepted"
    assert Submission.objects.count() == 1


@pytest.mark.e2e
def test_with_list_a_person_takes_the_event_in_from_the_console(reconciling, portal_settings):
    portal_settings.RECONCILIATION_MISSING = "list"
    opencrvs = reconciling.opencrvs
    event = opencrvs.lose_delivery(waiting_event())
    run = reconciliation.reconcile()
    assert (run.missing, run.listed, run.taken_in) == (1, 1, 0)
    assert not Submission.objects.exists()

    support = client_for(make_user("sam", Role.SUPPORT))
    page = support.get(reverse("console:reconciliation")).content.decode()
    assert f'data-testid="listed-{event.id}"' in page and "Take in" in page
    reply = support.post(reverse("console:reconciliation-take-in"), {"event_id": event.id})
    assert reply.status_code == 302

    submission = Submission.objects.get(event_id=event.id)
    reconciling.wait_for(submission.certificate_number, Status.CONFIRMED)
    assert opencrvs.event_status(event.id) == "accepted"
    [audit] = StaffAction.objects.filter(kind="take_in")
    assert audit.submission_id == submission.pk and audit.actor_name == "sam"
    page = support.get(reverse("console:reconciliation")).content.decode()
    assert f'data-testid="listed-{event.id}"' not in page  # taken in: no longer waiting


@pytest.mark.django_db
def test_a_take_in_reads_in_french(configured, opencrvs):
    """Why an event cannot be taken in, and why one was: in the reader's language on the
    console; the audit entry keeps English (OpenCRVS reads intake's refusals in English)."""
    use_system_client(opencrvs)
    event = opencrvs.lose_delivery(waiting_event())
    support = client_for(make_user("sam", Role.SUPPORT))
    take_in = reverse("console:reconciliation-take-in")
    french = {"HTTP_ACCEPT_LANGUAGE": "fr"}

    # No mapping profile takes the event yet.
    page = support.post(take_in, {"event_id": event.id}, follow=True, **french).content.decode()
    assert "Aucun profil de correspondance actif ne répond au type d’événement" in page
    assert "No active mapping profile" not in page
    assert not Submission.objects.exists()

    load_defaults_with_address_default()
    support.post(take_in, {"event_id": event.id}, **french)
    [audit] = StaffAction.objects.filter(kind="take_in")
    assert audit.reason == "Listed by the reconciliation with OpenCRVS."
    page = support.get(reverse("console:audit"), **french).content.decode()
    assert "Listé par le rapprochement avec OpenCRVS." in page
    assert "Pris en charge depuis OpenCRVS comme dossier" in page
    assert "Listed by the reconciliation" not in page
    page = support.get(reverse("console:audit")).content.decode()
    assert "Listed by the reconciliation with OpenCRVS." in page


@pytest.mark.django_db
def test_an_auditor_sees_the_runs_and_may_not_take_in(configured, opencrvs):
    use_system_client(opencrvs)
    ReconciliationRun.objects.create(finished_at=timezone.now(), events_seen=3, missing=1,
                                     listed=1, findings=[{"event_id": "e-1", "event_type": "birth",
                                     "tracking_id": "B1", "opencrvs_status": "DECLARED",
                                     "finding": "missing", "done": "listed"}])  # fmt: skip
    auditor = client_for(make_user("ada", Role.AUDITOR))
    page = auditor.get(reverse("console:reconciliation")).content.decode()
    assert 'data-testid="listed-e-1"' in page and "Take in</button>" not in page
    reply = auditor.post(reverse("console:reconciliation-take-in"), {"event_id": "e-1"})
    assert reply.status_code == 403
    assert not Submission.objects.exists()


@pytest.mark.django_db
def test_a_system_client_that_may_not_search_is_reported_not_a_crash(configured, opencrvs):
    opencrvs.add_system_client(*NO_SEARCH, ["type=record.read", "type=record.register"])
    use_system_client(opencrvs, NO_SEARCH)
    opencrvs.lose_delivery(waiting_event())

    run = reconciliation.reconcile()

    assert run.finished_at is not None and run.differences == 0
    assert "record.search" in run.error
    assert not opencrvs.searches  # the token said so: OpenCRVS was not asked
    assert any("record.search" in p for p in OpenCrvsAuth().problems())
    admin = client_for(make_user("ina", Role.ADMIN))
    page = admin.get(reverse("console:reconciliation")).content.decode()
    assert "Could not run:" in page and "record.search" in page
    # Stored as a code: a French reader reads why in French (the audit keeps English).
    assert run.reason_code == "reconciliation_no_search_scope"
    page = admin.get(reverse("console:reconciliation"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "le jeton du client système n’a pas la portée record.search" in page
    assert "lacks the scope" not in page


@pytest.mark.django_db
def test_an_opencrvs_outage_is_the_runs_error_and_the_next_run_goes_on(configured, opencrvs):
    load_defaults_with_address_default()
    use_system_client(opencrvs)
    opencrvs.controls.update({"down": True})
    failed = reconciliation.reconcile()
    assert failed.finished_at is not None and "503" in failed.error
    opencrvs.controls.update({"down": False})
    assert reconciliation.reconcile().error == ""


def test_the_stand_in_answers_core_search_and_event_shapes(opencrvs):
    event = opencrvs.lose_delivery(waiting_event())
    form = {"grant_type": "client_credentials", "client_id": SYSTEM_CLIENT[0],
            "client_secret": SYSTEM_CLIENT[1]}  # fmt: skip
    token = requests.post(f"{opencrvs.url}/token", data=form, timeout=5).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    window = {"type": "range", "gte": "2000-01-01", "lte": "2999-01-01"}
    waiting = {"eventType": "v2.birth", "flags": {"anyOf": ["register:requested"]},
               "updatedAt": window}  # fmt: skip
    body = {"query": {"type": "and", "clauses": [waiting]}, "limit": 10, "offset": 0}
    reply = requests.post(f"{opencrvs.url}/events/events/search", json=body, headers=headers,
                          timeout=5)  # fmt: skip
    assert reply.status_code == 200
    found = reply.json()
    assert found["total"] == 1
    [index] = found["results"]
    assert (index["id"], index["status"], index["flags"]) == (
        event.id, "DECLARED", ["register:requested"]
    )  # fmt: skip
    assert index["legalStatuses"]["REGISTERED"] is None
    registered = {"eventType": "v2.birth", "status": {"type": "exact", "term": "REGISTERED"}}
    body["query"]["clauses"] = [registered]
    assert requests.post(f"{opencrvs.url}/events/events/search", json=body, headers=headers,
                         timeout=5).json() == {"results": [], "total": 0}  # fmt: skip
    document = requests.get(f"{opencrvs.url}/events/events/{event.id}", headers=headers,
                            timeout=5).json()  # fmt: skip
    assert document["id"] == event.id and document["actions"][1]["status"] == "Requested"
    # Without a search scope: 403, as core's middleware answers.
    opencrvs.add_system_client(*NO_SEARCH, ["type=record.read"])
    form.update(client_id=NO_SEARCH[0], client_secret=NO_SEARCH[1])
    other = requests.post(f"{opencrvs.url}/token", data=form, timeout=5).json()["access_token"]
    assert "record.search" not in str(jwt.decode(other, options={"verify_signature": False}))
    refused = requests.post(f"{opencrvs.url}/events/events/search", json=body,
                            headers={"Authorization": f"Bearer {other}"}, timeout=5)  # fmt: skip
    assert refused.status_code == 403


@pytest.mark.django_db
def test_without_a_system_client_no_run_is_made_and_the_page_says_why(configured):
    assert reconciliation.reconcile() is None
    assert not ReconciliationRun.objects.exists()
    page = client_for(make_user("ada", Role.AUDITOR)).get(reverse("console:reconciliation"))
    assert 'data-testid="no-system-client"' in page.content.decode()


@pytest.mark.django_db
def test_metrics_count_the_differences_of_the_latest_run(
    client, portal_settings, configured, opencrvs
):
    portal_settings.METRICS_TOKEN = METRICS_TOKEN
    portal_settings.RECONCILIATION_MISSING = "list"
    load_defaults_with_address_default()
    use_system_client(opencrvs)
    opencrvs.lose_delivery(waiting_event())
    opencrvs.lose_delivery(waiting_event())
    reconciliation.reconcile()

    served = scrape(client.get)
    assert served[("portal_reconciliation_differences", frozenset({("finding", "missing")}))] == 2
    assert served[("portal_reconciliation_unresolved", frozenset())] == 2
    assert served[("portal_reconciliation_failing", frozenset())] == 0
    assert served[("portal_reconciliation_last_run_age_seconds", frozenset())] < 60

    opencrvs.controls.update({"down": True})
    reconciliation.reconcile()
    served = scrape(client.get)
    assert served[("portal_reconciliation_failing", frozenset())] == 1


@pytest.mark.e2e
def test_run_now_queues_a_run_that_the_worker_makes(reconciling):
    opencrvs = reconciling.opencrvs
    document = waiting_event()
    # Over HTTP, as a demo or the fault suite would: an event whose call was lost.
    held = requests.post(f"{opencrvs.url}/_test/event?lost=1", json=document, timeout=5)
    assert held.status_code == 200 and document["id"] in opencrvs.undelivered
    support = client_for(make_user("sam", Role.SUPPORT))
    assert "Run now" in support.get(reverse("console:reconciliation")).content.decode()

    reply = support.post(reverse("console:reconciliation-run"), follow=True)

    assert "A reconciliation run is queued" in reply.content.decode()
    wait_until(lambda: Submission.objects.filter(event_id=document["id"]).exists(), what="intake")
    submission = Submission.objects.get(event_id=document["id"])
    reconciling.wait_for(submission.certificate_number, Status.CONFIRMED)
    run = ReconciliationRun.objects.get()
    assert (run.missing, run.taken_in) == (1, 1)


@pytest.mark.django_db
def test_a_record_opencrvs_accepted_three_times_and_still_shows_waiting_is_left_to_a_person(
    client, portal_settings, configured, opencrvs
):
    portal_settings.RECONCILIATION_GRACE_SECONDS = 0
    portal_settings.METRICS_TOKEN = METRICS_TOKEN
    load_defaults_with_address_default()
    use_system_client(opencrvs)
    event = opencrvs.add_event(waiting_event())
    record = Submission.objects.create(
        event_type="birth", event_type_id="v2.birth", tracking_id=event.tracking_id,
        certificate_number="2026" + event.tracking_id, event_id=event.id,
        action_id=event.action_id, raw_request={}, status=Status.CONFIRMED,
        confirmed_at=timezone.now() - timedelta(hours=1),
    )  # fmt: skip
    for _ in range(3):
        Attempt.objects.create(
            submission=record, step=Step.CONFIRM, url="http://x/", http_status=200
        )

    run = reconciliation.reconcile()

    assert (run.still_waiting, run.confirmed_again) == (1, 0)
    [finding] = run.findings
    assert finding["done"] == "failed" and "3 times" in finding["detail"]
    assert Submission.objects.get().status == Status.CONFIRMED  # not sent round again
    assert scrape(client.get)[("portal_reconciliation_unresolved", frozenset())] == 1
