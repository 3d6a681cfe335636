"""The staff console: dashboard, searchable list, each record's timeline, and the actions
support staff take (resubmit, retry the confirmation, reject, mark resolved)."""
