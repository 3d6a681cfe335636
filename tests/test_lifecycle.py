"""One module owns every status change: the table is complete, and nothing else writes
a submission's `status`."""

import ast
from pathlib import Path

import pytest

from integration.models import Status, Submission
from integration.models.submission import IN_FLIGHT_STATUSES, StatusWriteRefused
from integration.services import lifecycle
from tests.fixtures import birth_request

SOURCE = Path(__file__).resolve().parent.parent / "integration"
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
