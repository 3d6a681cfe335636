"""Why records fail, in groups: the words of an error message before its data.

Alike messages ("… Event 8308… has been rejected", "… Event 9367… has been rejected") are
grouped on the words before the first quoted reply, date, id or hash. Each submission
keeps both of its keys, written with `last_error` by the lifecycle
(`integration.services.lifecycle.reason_columns`; the model refuses a write of one
without the other): the prefix as is, for those who may see personal data, and the
prefix of the masked message, for those who may not. The
dashboard then counts the groups in the database instead of reading and masking every
failed record's message.
"""

import re

from integration.masking import mask_message

# Where an error message turns from words into data (a quoted reply, a date, an id or a
# hash): alike messages are grouped on the words before it.
_VARYING = re.compile(r"""["\[{]|\d{5}|\d{4}-\d\d-|[0-9a-fA-F]{8}""")
REASON_CHARS = 160


def reason_prefix(message: str) -> str:
    match = _VARYING.search(message)
    prefix = message[: match.start()] if match else message
    return prefix[:REASON_CHARS].rstrip(" :,;(")


def reason_keys(last_error: str) -> dict[str, str]:
    """The grouping keys stored with `last_error` (empty with it)."""
    if not last_error:
        return {"reason_key": "", "masked_reason_key": ""}
    return {
        "reason_key": reason_prefix(last_error),
        "masked_reason_key": reason_prefix(mask_message(last_error)),
    }


def store_reason_keys(submission_model, batch_size: int = 1000) -> int:
    """Compute the keys of every record with an error, in batches (for rows written
    without them: a migration, a seeded database). Returns how many were written."""
    failing = submission_model.objects.exclude(last_error="").order_by("pk")
    failing = failing.only("pk", "last_error")
    written, after = 0, 0
    while batch := list(failing.filter(pk__gt=after)[:batch_size]):
        for row in batch:
            for name, value in reason_keys(row.last_error).items():
                setattr(row, name, value)
        submission_model.objects.bulk_update(batch, ["reason_key", "masked_reason_key"])
        written += len(batch)
        after = batch[-1].pk
    return written
