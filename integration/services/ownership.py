"""Who on the support desk looks after a record, and what staff note on it, without
changing anything in the record's flow (like assignees and comments in an issue tracker).

Both leave an audit entry (`StaffAction`, kinds ASSIGN and NOTE) beside the actions: who,
when, which record. A note's words are the entry's `reason`, the staff's own text, so the
retention policy masks the personal values quoted in it as it does every staff note, and
auditors read it masked (integration.console.selectors). An assignment's entry keeps the
assignee's name (`message`) and is told in the reader's language (`StaffAction.summary`).

Records go to support staff and integration admins: the people who may act on them
(integration.roles). Bulk jobs (integration.services.bulk_jobs) assign many, one
audit entry per record.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import QuerySet

from integration.models import ActionOutcome, BulkJob, StaffAction, Submission
from integration.models.console import ASSIGN, NOTE
from integration.reasons import Reason
from integration.roles import GROUP_NAMES, Role
from integration.services.staff_actions import Actor, display_name, words_of

ASSIGNABLE_ROLES = (Role.SUPPORT, Role.ADMIN)


def assignable_staff() -> QuerySet:
    """Active people who may act on records: those a record can be assigned to."""
    names = [GROUP_NAMES[role] for role in ASSIGNABLE_ROLES]
    users = get_user_model().objects.filter(is_active=True, groups__name__in=names)
    return users.distinct().order_by("first_name", "last_name", "username")


def assign(
    submission_id: int,
    assignee: AbstractBaseUser | None,
    actor: Actor,
    reason: str = "",
    job: BulkJob | None = None,
) -> StaffAction:
    """Give the record to `assignee` (None: to nobody). Skipped, and said so, when it is
    theirs already. The status stays as it is: the record's flow does not change."""
    name = display_name(assignee) if assignee is not None else ""
    entry = StaffAction(
        kind=ASSIGN,
        reason=reason,
        actor=actor.user,
        actor_name=actor.name,
        job=job,
        message=name,
    )
    with transaction.atomic():
        submission = (
            Submission.objects.select_for_update()
            .only("tracking_id", "status", "assignee_id")
            .filter(pk=submission_id)
            .first()
        )
        if submission is None:
            entry.outcome = ActionOutcome.FAILED
            for name, value in words_of(Reason("no_such_record", id=submission_id)).items():
                setattr(entry, name, value)
            entry.save()
            return entry
        entry.submission = submission
        entry.tracking_id = submission.tracking_id
        entry.status_before = entry.status_after = submission.status
        new = assignee.pk if assignee is not None else None
        if submission.assignee_id == new:
            entry.outcome = ActionOutcome.SKIPPED
        else:
            Submission.objects.filter(pk=submission.pk).update(assignee=new)
            entry.outcome = ActionOutcome.DONE
        entry.save()
    return entry


def add_note(submission: Submission, actor: Actor, text: str) -> StaffAction:
    """Keep a note on the record, in its audit trail."""
    return StaffAction.objects.create(
        kind=NOTE,
        outcome=ActionOutcome.DONE,
        reason=text.strip(),
        actor=actor.user,
        actor_name=actor.name,
        submission=submission,
        tracking_id=submission.tracking_id,
        status_before=submission.status,
        status_after=submission.status,
    )
