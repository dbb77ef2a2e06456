from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets

from .models import Service


class ServiceSerializer(serializers.ModelSerializer):
    provider = serializers.SlugRelatedField(slug_field="short_code", read_only=True)
    resolver_group = serializers.SlugRelatedField(slug_field="short_code", read_only=True)
    depends_on = serializers.SerializerMethodField()

    class Meta:
        model = Service
        fields = ["code", "name", "description", "provider", "resolver_group", "fuel",
                  "availability_target", "is_public", "is_active", "depends_on"]

    def get_depends_on(self, obj) -> list[str]:
        return [d.depends_on.code for d in obj.dependencies.all()]


@extend_schema(tags=["Service catalogue"])
class ServiceViewSet(viewsets.ReadOnlyModelViewSet):
    """The service catalogue, read-only. Every authenticated party may read it."""

    serializer_class = ServiceSerializer
    lookup_field = "code"
    filterset_fields = ["fuel", "provider__short_code"]

    def get_queryset(self):
        return (
            Service.objects.visible_to(self.request.user)
            .select_related("provider", "resolver_group")
            .prefetch_related("dependencies__depends_on")
        )
