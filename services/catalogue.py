"""The active service catalogue by code, kept in each process's memory.

Every incident create and every monitoring event names its services by code, and the
catalogue changes a few times a year: the look-up is a dict in the process
(kernel.process_cache: dropped by every process within a second of a change to a
Service) instead of a query per call. `CatalogueCodeField` is the API field that reads
it; a code it does not find, or a caller who may not read the catalogue, goes the usual
way (a query, and DRF's own error for an unknown code).
"""

from rest_framework import serializers

from accounts import policy
from kernel.instances import copy_instance
from kernel.process_cache import ProcessCache

from .models import Service

CATALOGUE = ProcessCache("services.catalogue")


def active_by_code():
    """Return {code: Service} of the active services (shared by the process's threads:
    copy one before use, as CatalogueCodeField does)."""
    return CATALOGUE.get("active-by-code",
                         lambda: {service.code: service for service in Service.objects.active()})


class CatalogueCodeField(serializers.SlugRelatedField):
    """An active service named by its code, as the caller may see it (the catalogue rule,
    accounts.policy)."""

    def __init__(self, **kwargs):
        super().__init__(slug_field="code", queryset=Service.objects.active(), **kwargs)

    def get_queryset(self):
        return super().get_queryset().visible_to(self.context["request"].user)

    def to_internal_value(self, data):
        if isinstance(data, str) and policy.reads_active_catalogue(self.context["request"].user):
            service = active_by_code().get(data)
            if service is not None:
                return copy_instance(service)  # the caller's own (related rows cached on it stay its)
        return super().to_internal_value(data)
