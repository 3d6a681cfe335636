"""One module owns every status change: the table is complete, and nothing else writes
a submission's `status`."""

import ast
from datetime import timedelta
from pathlib import Path

import pytest
from django.db.models import Q
from django.utils import timezone

from integration.models import Status, Submission
from integration.models.submission import (
    FAILURE_FIELDS,
    IN_FLIGHT_STATUSES,
    FailureKind,
    StatusWriteRefused,
    Step,
)
from integration.reason_groups import reason_keys
from integration.reasons import Reason
from integration.services import lifecycle
from integration.services.lifecycle import RecordFailure
from tests.fixtures import birth_request

SOURCE = Path(__file__).resolve().parents[2] / "integration"
OWNER = SOURCE / "services" / "lifecycle.py"
WRITERS = {"update", "create", "get_or_create", "update_or_create", "bulk_update", "save"}


def status_writes(path: Path) -> list[str]:
    """`x.status = ...`, `setattr(x, "status", ...)`, and `status=` passed to update(),
    create() and the like, in one file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Attribute) and target.attr == "status":
                    found.append(f"{path.name}:{node.lineno} assigns {ast.unparse(target)}")
        if not isinstance(node, ast.Call):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else ""
        if name in WRITERS and any(kw.arg == "status" for kw in node.keywords):
            found.append(f"{path.name}:{node.lineno} {name}(status=...)")
        is_setattr = isinstance(node.func, ast.Name) and node.func.id == "setattr"
        if is_setattr and len(node.args) > 1 and getattr(node.args[1], "value", None) == "status":
            found.append(f"{path.name}:{node.lineno} setattr status")
    return found


# Other things called `status` that are not a submission's: health and IDA answers.
NOT_A_SUBMISSION = {
    "monitoring/health.py": ["assigns health.status"],
    "services/verification.py": ["assigns self.status"],
}


def test_no_module_but_the_lifecycle_writes_a_submission_status():
    offenders = []
    for path in SOURCE.rglob("*.py"):
        if path == OWNER or "migrations" in path.parts:
            continue
        for write in status_writes(path):
            allowed = NOT_A_SUBMISSION.get(str(path.relative_to(SOURCE)), [])
            if not any(kind in write for kind in allowed):
                offenders.append(str(path.relative_to(SOURCE)) + " " + write)
    assert offenders == []


def test_the_scan_finds_a_status_write():
    """The scan above must be able to fail."""
    probe = Path(__file__).with_name("_status_write_probe.py")
    probe.write_text(
        "Submission.objects.filter(pk=1).update(status='x')\n"
        "s.status = 'y'\n"
        "setattr(s, 'status', 'z')\n"
    )
    try:
        assert len(status_writes(probe)) == 3
    finally:
        probe.unlink()


def a_submission() -> Submission:
    return Submission.objects.create(
        event_type="birth", tracking_id="B1", certificate_number="C1",
        raw_request=birth_request("C1", "B1"),
    )  # fmt: skip


def test_the_model_refuses_a_status_written_another_way(db):
    submission = a_submission()
    with pytest.raises(StatusWriteRefused):
        Submission.objects.filter(pk=submission.pk).update(status=Status.CONFIRMED)
    submission.status = Status.CONFIRMED
    with pytest.raises(StatusWriteRefused):
        submission.save()
    with pytest.raises(StatusWriteRefused):
        submission.save(update_fields=["status"])
    assert Submission.objects.get().status == Status.RECEIVED


def test_every_state_is_entered_and_every_open_state_can_be_left():
    entered = {target for move in lifecycle.MOVES.values() for target in move.targets}
    left = {source for move in lifecycle.MOVES.values() for source in move.sources}
    assert set(Status.values) - entered == set()  # no state that is never entered
    finals = {
        Status.CONFIRMED,
        Status.COMPLETED,
        Status.NOTHING_TO_CONFIRM,
        Status.REJECTED,
        Status.RESOLVED,
    }
    # A confirmed record is left only when OpenCRVS still shows it waiting: the
    # reconciliation confirms it again (`confirm_again`).
    assert set(Status.values) - left == finals - {Status.CONFIRMED}
    assert [name for name, m in lifecycle.MOVES.items() if Status.CONFIRMED in m.sources] == [
        "confirm_again"
    ]


def test_a_process_that_died_hands_each_in_flight_state_back():
    for state in IN_FLIGHT_STATUSES:
        lost = [
            name for name, m in lifecycle.MOVES.items() if state in m.sources and "lost" in name
        ] + [name for name, m in lifecycle.MOVES.items() if name == "rejection_interrupted"]
        assert any(state in lifecycle.MOVES[name].sources for name in lost), state


def test_a_move_the_table_does_not_allow_changes_nothing(db):
    submission = a_submission()
    assert not lifecycle.move(submission, "retry_confirmation")  # not from RECEIVED
    assert Submission.objects.get().status == Status.RECEIVED
    with pytest.raises(lifecycle.IllegalMove):
        lifecycle.move(submission, "delivered", to=Status.CONFIRMED)
    with pytest.raises(lifecycle.IllegalMove):
        lifecycle.move(submission, "workflow_started")  # leased, and never claimed


# --- Failure bookkeeping ---------------------------------------------------------------

FAILED_BEFORE = RecordFailure(
    Reason("gave_up", attempts=5, cause="MOSIP answered HTTP 503"),
    Step.CREATE_PACKET,
    FailureKind.GAVE_UP,
)
_serial = iter(range(1, 1_000_000))


def a_record_in(status: str, failure: RecordFailure = FAILED_BEFORE) -> Submission:
    """A record in `status` with its failure fields all written, held by a live lease."""
    n = next(_serial)
    return Submission.objects.create(
        event_type="birth", tracking_id=f"B{n}", certificate_number=f"C{n}",
        raw_request=birth_request(f"C{n}", f"B{n}"), status=status,
        claimed_at=timezone.now(), lease_expires_at=timezone.now() + timedelta(minutes=5),
        **lifecycle.failure_columns(failure),
    )  # fmt: skip


def failure_fields_of(submission: Submission) -> dict:
    row = Submission.objects.values(*FAILURE_FIELDS).get(pk=submission.pk)
    return {name: row[name] for name in sorted(FAILURE_FIELDS)}


def every_move():
    for name, rule in lifecycle.MOVES.items():
        for source in rule.sources:
            for target in rule.targets:
                yield name, source, target


def test_a_move_into_a_state_without_a_failure_clears_it_and_the_others_keep_it(db):
    """Every move of the table, from each of its sources to each of its targets, without a
    failure given: into FAILED, TOKEN_EXPIRED, a retry, an in-flight state or RESOLVED the
    failure stays as it was; into any other state no failure field is left."""
    assert set(lifecycle.KEEPS_FAILURE) == {
        Status.FAILED, Status.TOKEN_EXPIRED, Status.DELIVERY_RETRY, Status.CONFIRMATION_RETRY,
        Status.SENDING, Status.CONFIRMING, Status.REJECTING, Status.RESOLVED,
    }  # fmt: skip
    before = failure_fields_of(a_record_in(Status.FAILED))
    cleared = failure_fields_of(a_record_in(Status.FAILED, RecordFailure("")))
    assert all(before.values()) and not any(cleared.values())
    for name, source, target in every_move():
        record = a_record_in(source)
        assert lifecycle.move(record, name, to=target), (name, source, target)
        expected = before if target in lifecycle.KEEPS_FAILURE else cleared
        assert failure_fields_of(record) == expected, (name, source, target)
        assert {field: getattr(record, field) for field in expected} == expected


def test_a_failure_is_written_whole_with_its_reason_code_and_keys(db):
    reason = Reason("packet_unknown", minutes=12)
    for name, source, target in every_move():
        record = a_record_in(source, RecordFailure(""))
        failure = RecordFailure(reason, Step.MOSIP_STATUS, FailureKind.MOSIP_REJECTED)
        assert lifecycle.move(record, name, to=target, failure=failure), (name, target)
        assert failure_fields_of(record) == {
            "failed_step": Step.MOSIP_STATUS,
            "failure_kind": FailureKind.MOSIP_REJECTED,
            "last_error": str(reason),
            "reason_code": "packet_unknown",
            "reason_params": {"minutes": 12},
            **reason_keys(reason.grouping_text()),
        }, (name, source, target)
    assert reason_keys(reason.grouping_text())["reason_key"].startswith("MOSIP")


def test_the_sweep_writes_a_failure_for_many_records_at_once(db):
    stuck = [a_record_in(Status.REJECTING) for _ in range(2)]
    failure = RecordFailure(Reason("rejection_interrupted"), Step.REJECT, FailureKind.INTERRUPTED)
    assert sorted(lifecycle.move_all("rejection_interrupted", Q(), failure=failure)) == sorted(
        record.pk for record in stuck
    )
    for record in stuck:
        row = failure_fields_of(record)
        assert (row["reason_code"], row["failure_kind"]) == ("rejection_interrupted", "interrupted")
        assert row["reason_key"] and row["masked_reason_key"]


def test_a_failure_field_passed_beside_the_failure_is_refused(db):
    record = a_record_in(Status.SENDING)
    for field in ("last_error", "failed_step", "failure_kind", "reason_key"):
        with pytest.raises(lifecycle.IllegalMove):
            lifecycle.move(record, "delivery_failed", **{field: ""})
    assert Submission.objects.get(pk=record.pk).status == Status.SENDING


def failure_writes(path: Path) -> list[str]:
    """`last_error=`, `failed_step=` or `failure_kind=` passed to a write or a move."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        if node.func.attr not in WRITERS | {"move", "move_all"}:
            continue
        written = {kw.arg for kw in node.keywords} & {"last_error", "failed_step", "failure_kind"}
        found += [f"{path.name}:{node.lineno} {node.func.attr}({field}=...)" for field in written]
    return found


def test_no_module_writes_a_failure_field_by_hand(tmp_path):
    """The lifecycle writes them (a move with `failure=`, or one that clears them); the
    model refuses `last_error` without its reason columns."""
    offenders = []
    for path in SOURCE.rglob("*.py"):
        if path == OWNER or "migrations" in path.parts:
            continue
        offenders += [str(path.relative_to(SOURCE)) + " " + w for w in failure_writes(path)]
    assert offenders == []
    probe = tmp_path / "probe.py"
    probe.write_text('lifecycle.move(s, "resubmit", last_error="", failure_kind="")\n')
    assert len(failure_writes(probe)) == 2  # the scan can fail
