from tests.support.metrics import a_worker_reported  # noqa: F401 - fixture


def test_healthz_reports_database_and_broker(client, db, a_worker_reported):  # noqa: F811
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["reasons"] == []
    assert body["checks"] == {"database": "ok", "broker": "ok"}
    assert body["overdue_retries"] == 0


def test_healthz_is_503_when_the_broker_is_unreachable(client, db, monkeypatch):
    from kombu import Connection

    from integration.monitoring import health

    # A real connection attempt, to a port where no broker listens.
    monkeypatch.setattr(
        health.celery_app,
        "connection_for_write",
        lambda: Connection("redis://127.0.0.1:1/0", connect_timeout=1),
    )
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "down"
    assert response.json()["checks"]["broker"].startswith("error")


def test_the_home_page_leads_to_the_console(client, db):
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == "/console/"


def test_the_openapi_schema_lists_the_endpoints_opencrvs_calls(client, db):
    schema = client.get("/api/schema/").content.decode()
    for path in (
        "/events/registration",
        "/events/update-biographics",
        "/trigger/events/{event_type}/actions/REGISTER",
        "/verify",
        "/esignet/get-oidp-user-info",
    ):
        assert path in schema
