"""The default mapping profiles as an integration admin finishes setting them up."""

from integration.mapping.exchange import load_defaults
from integration.models import FieldMapping, MappingProfile

ADDRESS_DEFAULT = "Address not recorded"


def load_defaults_with_address_default(value: str = ADDRESS_DEFAULT) -> list[MappingProfile]:
    """`load_default_mappings`, then the one step the ID schema asks of an admin: a
    default for addressLine1, which the shipped profiles leave empty (never invented)."""
    profiles = load_defaults()
    FieldMapping.objects.filter(target="addressLine1").update(default=value)
    return profiles
