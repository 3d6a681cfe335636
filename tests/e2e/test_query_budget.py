"""Queries per record, step by step: each step of one record's way through the portal
has a budget of database queries, and the test fails when a change goes over it.

Counted with the settings rows already read once in this process (as they are in a
running portal), so the budget is what every further record costs."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from demo.stand_ins import configure_for_stand_ins
from tests.support.record_walk import walk_one_record

# Queries per step, per record. Lower them when you make a step leaner.
# A claim is one UPDATE ... RETURNING. The callback stores the delivery in one INSERT that
# commits by itself, then the transaction id's VID and the record's VID-and-move in one
# transaction (BEGIN and COMMIT count as statements on PostgreSQL); the confirmation first
# looks for a call OpenCRVS already accepted, so it is never sent twice. Right before each
# remote call the worker renews its lease with one conditional UPDATE (the fence,
# integration/clients/fence.py): two in delivery (createPacket, the workflow start), one in
# the confirmation. Without it a worker that lost the record could still call MOSIP.
# MOSIP's workflow event (one per packet, nearly all PROCESSED) is stored, its record
# looked up by columns, its MOSIP status written and the delivery's outcome kept.
BUDGET = {
    "intake": 2,
    "delivery": 9,
    "workflow event": 4,
    "credential callback": 8,
    "confirmation": 5,
}


@pytest.fixture
def stack(transactional_db, mosip, opencrvs, settings, portal_settings):
    portal_settings.CONFIG_CACHE = True  # as with Redis: settings rows kept per process
    configure_for_stand_ins(mosip.url, opencrvs.url, "http://127.0.0.1:1")
    return mosip, opencrvs


def _one_record(client, mosip, opencrvs, number: str) -> dict[str, list[str]]:
    """Take one birth registration from intake to confirmation; the SQL of each step."""
    seen: dict[str, list[str]] = {}

    def step(name, action):
        with CaptureQueriesContext(connection) as queries:
            result = action()
        seen[name] = [q["sql"] for q in queries.captured_queries]
        return result

    walk_one_record(client, mosip, opencrvs, number, step)
    return seen


def test_each_step_of_a_record_stays_within_its_query_budget(client, stack):
    mosip, opencrvs = stack
    _one_record(client, mosip, opencrvs, "2026B00000001")  # settings and tokens read once
    seen = _one_record(client, mosip, opencrvs, "2026B00000002")
    counts = {name: len(sql) for name, sql in seen.items()}
    print(json.dumps(counts))
    over = {name: "\n  ".join(seen[name]) for name, count in counts.items() if count > BUDGET[name]}
    assert not over, (
        "over budget: "
        + json.dumps(counts)
        + "\n"
        + "\n".join(f"{name}:\n  {sql}" for name, sql in over.items())
    )
