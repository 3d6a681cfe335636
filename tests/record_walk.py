"""One birth registration taken from intake to confirmation, step by step, for what looks
at each step on its own: the query budget (tests/test_query_budget.py) and the CPU per
step (bench/step_cpu.py). Intake and the credential callback go through the Django test
client; delivery and confirmation are called as the worker calls them."""

import json
from collections.abc import Callable
from typing import Any

from integration.models import MosipSettings, Status, Submission
from integration.services import confirmation, delivery
from mocks import mosip_issuer as issuer
from mocks.examples import birth_request
from mocks.websub import hub_signature

# Runs one step: its name ("intake", "delivery", "credential callback", "confirmation")
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
    step("delivery", lambda: delivery.deliver(submission.pk))
    submission.refresh_from_db()
    assert submission.status == Status.AWAITING_CREDENTIAL, submission.last_error

    packet = mosip.packets[submission.transaction_id]
    vid = issuer.new_vid()
    credential = mosip.build_credential(submission.transaction_id, packet["process"],
                                        packet["fields"], vid)  # fmt: skip
    event = issuer.callback_body(submission.transaction_id, mosip.encrypt_credential(credential))
    body = json.dumps(event).encode()
    secret = MosipSettings.load().websub_secret
    answer = step("credential callback", lambda: client.post(
        "/websub/callback", body, content_type="application/json",
        headers={"X-Hub-Signature": hub_signature(secret, body)},
    ))  # fmt: skip
    assert answer.status_code == 200, answer.content
    step("confirmation", lambda: confirmation.confirm(submission.pk))
    submission.refresh_from_db()
    assert submission.status == Status.CONFIRMED
