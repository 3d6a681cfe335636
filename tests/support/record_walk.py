"""One birth registration taken from intake to confirmation, step by step, for what looks
at each step on its own: the query budget (tests/e2e/test_query_budget.py) and the CPU per
step (bench/step_cpu.py). Intake and the credential callback go through the Django test
client; delivery and confirmation run as the worker runs them: as Celery tasks, with the
task signals around them (each task checks the settings versions once), in this thread."""

import json
from collections.abc import Callable
from typing import Any

from integration import tasks
from integration.models import MosipSettings, Status, Submission
from mocks import mosip_issuer as issuer
from mocks.examples import birth_request
from mocks.websub import hub_signature

# Runs one step: its name ("intake", "delivery", "workflow event", "credential callback",
# "confirmation")
# and the action to run, whose result it returns.
StepRunner = Callable[[str, Callable[[], Any]], Any]


def walk_one_record(client, mosip, opencrvs, number: str, step: StepRunner) -> None:
    token = opencrvs.mint_token()
    reply = step("intake", lambda: client.post(
        "/events/registration", birth_request(number, number[-9:]), content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    ))  # fmt: skip
    assert reply.status_code == 202, reply.content
    submission = Submission.objects.get(certificate_number=number)
    step("delivery", lambda: tasks.deliver.apply((submission.pk,), throw=True))
    submission.refresh_from_db()
    assert submission.status == Status.AWAITING_CREDENTIAL, submission.last_error

    # MOSIP's workflow manager announces the end of every packet's workflow.
    ended = json.dumps({"instanceId": submission.transaction_id, "resultCode": "PROCESSED",
                        "workflowType": "NEW", "errorCode": None}).encode()  # fmt: skip
    secret = MosipSettings.load().websub_secret
    answer = step("workflow event", lambda: client.post(
        "/websub/callback/workflow", ended, content_type="application/json",
        headers={"X-Hub-Signature": hub_signature(secret, ended)},
    ))  # fmt: skip
    assert answer.status_code == 200, answer.content

    packet = mosip.packets[submission.transaction_id]
    vid = issuer.new_vid()
    credential = mosip.build_credential(submission.transaction_id, packet["process"],
                                        packet["fields"], vid)  # fmt: skip
    event = issuer.callback_body(submission.transaction_id, mosip.encrypt_credential(credential))
    body = json.dumps(event).encode()
    answer = step("credential callback", lambda: client.post(
        "/websub/callback", body, content_type="application/json",
        headers={"X-Hub-Signature": hub_signature(secret, body)},
    ))  # fmt: skip
    assert answer.status_code == 200, answer.content
    step("confirmation", lambda: tasks.confirm.apply((submission.pk,), throw=True))
    submission.refresh_from_db()
    assert submission.status == Status.CONFIRMED
