"""The console's pages. Views only check access, read through selectors, write through
`integration.services.staff_actions` and render."""
