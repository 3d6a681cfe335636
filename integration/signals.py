"""Saves that change what `integration.config_cache` keeps per process."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from integration import config_cache
from integration.mapping.profiles import CACHE_NAME as MAPPING
from integration.models.mapping import FieldMapping, MappingProfile
from integration.models.trust import TrustedDocument
from integration.services.credential_proof import TRUSTED_DOCUMENTS


@receiver([post_save, post_delete], sender=MappingProfile)
@receiver([post_save, post_delete], sender=FieldMapping)
def mapping_changed(**_kwargs) -> None:
    config_cache.changed(MAPPING)


@receiver([post_save, post_delete], sender=TrustedDocument)
def trusted_documents_changed(**_kwargs) -> None:
    config_cache.changed(TRUSTED_DOCUMENTS)
