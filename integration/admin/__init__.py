"""The Django admin: settings pages for integration admins, read-only records for support.

One module per area; Django's admin autodiscovery imports this package, which imports
each area so its pages are registered. Shared pieces live in `base` (the settings pages'
forms and singleton page) and `readonly` (the one read-only admin), which the areas
import; the areas never import each other (`params` holds the mapping page's widgets)."""

from integration.admin import (  # noqa: F401
    connections,
    history,
    mapping,
    records,
    retention,
    trust,
    verification,
)
