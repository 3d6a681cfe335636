"""A WebSub hub takes a subscribe request (202) and only then checks the callback; a
callback it cannot reach, or one the portal refuses for its Host, leaves the portal
unsubscribed. `subscribe_websub` waits for that check and says plainly when it did not
come; /healthz, the dashboard and the MOSIP settings page show an unverified
subscription until it does.

The portal is served by gunicorn and the hub is the MOSIP stand-in's, over HTTP."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from demo.stand_ins import configure_for_stand_ins
from integration.models import MosipSettings, WebSubState, WebSubSubscription
from integration.models.websub import VERIFICATION_GRACE
from integration.services.websub import workflow_callback_url
from mocks.mosip import WORKFLOW_TOPIC
from tests.console.conftest import admin_user, client_for  # noqa: F401 - fixture
from tests.support.metrics import METRICS_TOKEN, scrape, value


def websub_reasons(client) -> list[str]:
    body = client.get("/healthz").json()
    return [reason for reason in body["reasons"] if "WebSub" in reason], body["websub"]["state"]


def as_if_the_grace_had_passed() -> None:
    WebSubSubscription.objects.filter(pk=1).update(
        requested_at=timezone.now() - VERIFICATION_GRACE - timedelta(seconds=1)
    )


def test_subscribe_websub_waits_until_the_hub_verified_the_callback(
    served_portal, mosip, opencrvs, transactional_db, client
):
    configure_for_stand_ins(mosip.url, opencrvs.url, served_portal)
    out = StringIO()
    call_command("subscribe_websub", "--timeout", "20", stdout=out)

    assert "The hub verified the callback: subscribed." in out.getvalue()
    assert mosip.hub.active("CREDENTIAL_ISSUED"), "the hub holds no subscription"
    subscription = WebSubSubscription.objects.get(pk=1)
    assert subscription.verified_at >= subscription.requested_at
    # The workflow manager's topic beside it, at the route next to the callback.
    workflow = mosip.hub.wait_for_subscription(
        topic="REGISTRATION_PROCESSOR_WORKFLOW_COMPLETED_EVENT", timeout=10
    )
    assert workflow and workflow.callback == f"{served_portal}/websub/callback/workflow"
    as_if_the_grace_had_passed()  # verified stays verified
    assert websub_reasons(client) == ([], WebSubState.VERIFIED)
    # Each named on its own: what brings credentials, and what brings rejections at once.
    assert client.get("/healthz").json()["websub"] == {
        "state": "verified",
        "credential_events": "verified",
        "workflow_events": "verified",
    }


def test_a_callback_refused_for_its_host_is_reported_not_taken_for_success(
    served_portal,
    mosip,
    opencrvs,
    transactional_db,
    client,
    admin_user,  # noqa: F811
):
    # MOSIP calls the portal by a name the portal does not accept: "127.1" reaches the
    # same server, but its Host is in neither DJANGO_ALLOWED_HOSTS nor PORTAL_INTERNAL_HOSTS.
    port = served_portal.rsplit(":", 1)[1]
    configure_for_stand_ins(mosip.url, opencrvs.url, f"http://127.1:{port}")

    with pytest.raises(CommandError) as refused:
        call_command("subscribe_websub", "--timeout", "3", stdout=StringIO())
    message = str(refused.value)
    assert "did not verify the callback within 3 s" in message
    assert "NOT subscribed" in message
    assert f"http://127.1:{port}/websub/callback" in message
    assert "DJANGO_ALLOWED_HOSTS or PORTAL_INTERNAL_HOSTS" in message
    [attempt] = [a for a in mosip.hub.attempts if a.topic == "CREDENTIAL_ISSUED"]
    assert attempt.done.wait(5) and attempt.verification_status == 400  # the Host refused
    assert not mosip.hub.active("CREDENTIAL_ISSUED")

    # Shortly after the request it may still come: not yet a problem.
    assert websub_reasons(client) == ([], WebSubState.PENDING)
    as_if_the_grace_had_passed()
    reasons, state = websub_reasons(client)
    assert state == WebSubState.UNVERIFIED
    assert client.get("/healthz").json()["status"] == "degraded"
    [reason] = reasons
    assert "never verified the callback" in reason and "PORTAL_INTERNAL_HOSTS" in reason
    assert "127.1" not in reason  # /healthz is public: no address in it

    staff = client_for(admin_user)
    page = staff.get("/console/").content.decode()
    assert 'data-testid="websub-problem"' in page and "never verified the callback" in page
    assert f"http://127.1:{port}/websub/callback" in page

    # Fixed (the portal's own address), subscribed again: the problem is gone.
    configure_for_stand_ins(mosip.url, opencrvs.url, served_portal)
    call_command("subscribe_websub", "--timeout", "20", stdout=StringIO())
    assert websub_reasons(client) == ([], WebSubState.VERIFIED)
    assert 'data-testid="websub-problem"' not in staff.get("/console/").content.decode()


def test_a_hub_that_cannot_reach_the_callback_is_reported(
    mosip, opencrvs, transactional_db, client
):
    configure_for_stand_ins(mosip.url, opencrvs.url, "http://127.0.0.1:1")  # nothing listens
    with pytest.raises(CommandError, match="did not verify the callback within 2 s"):
        call_command("subscribe_websub", "--timeout", "2", stdout=StringIO())
    as_if_the_grace_had_passed()
    assert websub_reasons(client)[1] == WebSubState.UNVERIFIED


def test_a_denied_subscription_and_a_never_made_one_are_reported(
    db, client, admin_client, portal_settings
):
    portal_settings.METRICS_TOKEN = METRICS_TOKEN
    configure_for_stand_ins("http://127.0.0.1:1", "http://127.0.0.1:1", "http://127.0.0.1:1")
    reasons, state = websub_reasons(client)
    assert state == WebSubState.NEVER and "has not subscribed" in reasons[0]
    samples = scrape(client.get)  # what PortalWebSubNotSubscribed watches
    assert value(samples, "portal_websub_subscription", state="never") == 1
    assert value(samples, "portal_websub_subscription", state="verified") == 0

    WebSubSubscription.objects.create(
        pk=1,
        hub_url=MosipSettings.load().websub_hub_url,
        topic="CREDENTIAL_ISSUED",
        callback_url=MosipSettings.load().websub_callback_url,
        requested_at=timezone.now(),
    )
    reply = client.get(
        "/websub/callback",
        {"hub.mode": "denied", "hub.topic": "CREDENTIAL_ISSUED", "hub.reason": "no policy"},
    )
    assert reply.status_code == 204
    reasons, state = websub_reasons(client)
    assert state == WebSubState.DENIED and "denied the subscription" in reasons[0]
    assert "no policy" not in reasons[0]  # the hub's words only for staff
    assert value(scrape(client.get), "portal_websub_subscription", state="denied") == 1

    page = admin_client.get("/admin/integration/mosipsettings/1/change/").content.decode()
    assert "denied the subscription (" in page and "“no policy”" in page  # marked as the hub's


def test_a_readiness_probe_is_still_answered_and_changes_nothing(db, client):
    reply = client.get("/websub/callback", {"hub.challenge": "up"})
    assert (reply.status_code, reply.content) == (200, b"up")
    assert not WebSubSubscription.objects.exists()


MOSIP_SETTINGS_PAGE = "/admin/integration/mosipsettings/1/change/"


def test_a_denied_workflow_subscription_is_reported_apart_from_the_credential_one(
    db,
    client,
    admin_client,
    portal_settings,
    admin_user,  # noqa: F811
):
    portal_settings.METRICS_TOKEN = METRICS_TOKEN
    configure_for_stand_ins("http://127.0.0.1:1", "http://127.0.0.1:1", "http://127.0.0.1:1")
    config = MosipSettings.load()
    for pk, topic, callback in [
        (1, "CREDENTIAL_ISSUED", config.websub_callback_url),
        (2, WORKFLOW_TOPIC, workflow_callback_url(config)),
    ]:
        WebSubSubscription.objects.create(
            pk=pk,
            hub_url=config.websub_hub_url,
            topic=topic,
            callback_url=callback,
            requested_at=timezone.now(),
        )
    verify = {"hub.mode": "subscribe", "hub.topic": "CREDENTIAL_ISSUED", "hub.challenge": "c"}
    assert client.get("/websub/callback", verify).content == b"c"
    deny = {"hub.mode": "denied", "hub.topic": WORKFLOW_TOPIC, "hub.reason": "unknown topic"}
    assert client.get("/websub/callback/workflow", deny).status_code == 204

    body = client.get("/healthz").json()
    assert body["status"] == "degraded"
    assert body["websub"]["credential_events"] == WebSubState.VERIFIED
    assert body["websub"]["workflow_events"] == WebSubState.DENIED
    [reason] = [reason for reason in body["reasons"] if "WebSub" in reason]
    assert "denied the subscription to workflow events" in reason
    assert "next status look-up" in reason and "PORTAL_MOSIP_WORKFLOW_TOPIC empty" in reason
    assert "unknown topic" not in reason  # the hub's words only for staff
    samples = scrape(client.get)
    assert value(samples, "portal_websub_subscription", state="verified") == 1
    assert value(samples, "portal_websub_workflow_subscription", state="denied") == 1

    staff = client_for(admin_user)
    page = staff.get("/console/").content.decode()
    assert 'data-testid="websub-problem"' not in page  # credentials still come
    assert 'data-testid="workflow-events-problem"' in page
    assert "denied the subscription to workflow events (" in page and "“unknown topic”" in page
    french = staff.get("/console/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "a refusé l’abonnement aux événements de traitement (" in french
    assert "non traduits" in french and "« unknown topic »" in french

    page = admin_client.get(MOSIP_SETTINGS_PAGE).content.decode()
    assert "Credential events" in page and "Workflow events" in page
    assert "subscribed and verified" in page
    assert "denied the subscription to workflow events (" in page and "“unknown topic”" in page


def test_an_emptied_workflow_topic_is_unsubscribed_at_the_hub_and_shown_off(
    served_portal, mosip, opencrvs, transactional_db, client, admin_client, portal_settings
):
    portal_settings.METRICS_TOKEN = METRICS_TOKEN
    configure_for_stand_ins(mosip.url, opencrvs.url, served_portal)
    call_command("subscribe_websub", "--timeout", "20", stdout=StringIO())
    assert mosip.hub.wait_for_subscription(topic=WORKFLOW_TOPIC, timeout=10)

    portal_settings.MOSIP_WORKFLOW_TOPIC = ""
    # The hub still delivers the old topic until the next subscription tells it.
    body = client.get("/healthz").json()
    assert body["websub"]["workflow_events"] == WebSubState.CHANGED
    assert any("workflow events' topic or callback changed" in r for r in body["reasons"])

    out = StringIO()
    call_command("subscribe_websub", "--timeout", "20", stdout=out)
    callback = f"{served_portal}/websub/callback/workflow"
    assert (
        f"Asked it too to unsubscribe {callback} to {WORKFLOW_TOPIC} "
        "(PORTAL_MOSIP_WORKFLOW_TOPIC is empty)." in out.getvalue()
    )
    [unsubscribe] = [a for a in mosip.hub.attempts if a.mode == "unsubscribe"]
    assert (unsubscribe.topic, unsubscribe.callback) == (WORKFLOW_TOPIC, callback)
    assert unsubscribe.done.wait(10) and unsubscribe.verified
    assert not mosip.hub.active(WORKFLOW_TOPIC)
    assert mosip.hub.active("CREDENTIAL_ISSUED")  # credentials still come
    assert mosip.publish_workflow_completed("10001100010000120260101000000", "REJECTED") == []

    body = client.get("/healthz").json()
    assert body["websub"]["workflow_events"] == "off"
    assert not [reason for reason in body["reasons"] if "WebSub" in reason]
    assert value(scrape(client.get), "portal_websub_workflow_subscription", state="off") == 1
    page = admin_client.get(MOSIP_SETTINGS_PAGE).content.decode()
    assert "Off (PORTAL_MOSIP_WORKFLOW_TOPIC is empty)" in page

    # Once told, the hub is not asked again at each re-subscription.
    call_command("subscribe_websub", "--timeout", "20", stdout=StringIO())
    assert [a.mode for a in mosip.hub.attempts if a.topic == WORKFLOW_TOPIC] == [
        "subscribe",
        "unsubscribe",
    ]
