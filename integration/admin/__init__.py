"""The Django admin: settings pages for integration admins, read-only records for support.

One module per area; Django's admin autodiscovery imports this package, which imports
each area so its pages are registered. Shared pieces live in `base`, which the areas import;
the areas never import each other."""

from integration.admin import (  # noqa: F401
    connections,
    history,
    mapping,
    records,
    retention,
    trust,
    verification,
)
