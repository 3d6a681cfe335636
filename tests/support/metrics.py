"""Reading /metrics and /healthz as Prometheus and an operator would."""

import pytest
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from integration.models import WorkerHeartbeat

METRICS_TOKEN = "metrics-test-token"


def scrape(get, url: str = "/metrics") -> dict[tuple[str, frozenset], float]:
    """Every sample of a scrape, keyed by (name, labels). `get` is a test client's or
    requests' get."""
    reply = get(url, headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert reply.status_code == 200, reply.content
    text = reply.content.decode() if hasattr(reply, "content") else reply.text
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def total(samples: dict, name: str, **labels: str) -> float:
    """The sum over every sample of `name` whose labels include `labels`."""
    wanted = set(labels.items())
    return sum(v for (n, got), v in samples.items() if n == name and wanted <= got)


@pytest.fixture
def a_worker_reported(db) -> None:
    """A worker's heartbeat, as integration/worker.py writes it."""
    WorkerHeartbeat.objects.create(hostname="celery@test", seen_at=timezone.now())
