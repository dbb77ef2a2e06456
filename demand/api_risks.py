"""Risks a service provider raises (s.9.3) over the API, and their progress.

A provider sees only the risks its organisation raised (accounts.policy); the rest of
the register is internal. Switching Operations triage them in the console.
"""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.response import Response

from accounts import policy
from kernel.api_errors import domain_errors
from kernel.api_records import TransitionRecordSerializer
from kernel.idempotency import idempotent
from services.models import Service

from . import services
from .models_risk import ONE_TO_FIVE, Risk


class ProviderRiskSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True, help_text="RSK-000123")
    services = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    raised_by_organisation = serializers.SlugRelatedField(slug_field="short_code",
                                                          read_only=True, allow_null=True)
    transitions = TransitionRecordSerializer(many=True, read_only=True)

    class Meta:
        model = Risk
        fields = ["id", "reference", "title", "description", "services", "likelihood", "impact",
                  "score", "status", "source", "raised_by_organisation", "transitions",
                  "created_at"]


class ProviderRiskWriteSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=10000)
    services = serializers.ListField(child=serializers.SlugField(max_length=40), required=False,
                                     max_length=50, help_text="Service codes, e.g. uk-link.")
    likelihood = serializers.IntegerField(validators=ONE_TO_FIVE, required=False,
                                          help_text="1 (rare) to 5 (almost certain).")
    impact = serializers.IntegerField(validators=ONE_TO_FIVE, required=False,
                                      help_text="1 (negligible) to 5 (severe).")

    def validate_services(self, codes):
        found = list(Service.objects.visible_to(self.context["request"].user)
                     .filter(code__in=codes))
        missing = sorted(set(codes) - {service.code for service in found})
        if missing:
            raise serializers.ValidationError(f"No such service: {', '.join(missing)}.")
        return found


@extend_schema_view(
    list=extend_schema(summary="List the risks your organisation raised"),
    retrieve=extend_schema(summary="Retrieve a risk your organisation raised"),
    create=extend_schema(summary="Raise a risk to the Switching service for Switching "
                                 "Operations to triage", request=ProviderRiskWriteSerializer,
                         responses={201: ProviderRiskSerializer}),
)
@extend_schema(tags=["Demand and risk"])
class ProviderRiskViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                          mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Risks your organisation communicated, and where Switching Operations have put them."""

    serializer_class = ProviderRiskSerializer
    filter_backends = []

    def get_queryset(self):
        return (Risk.objects.visible_to(self.request.user)
                .filter(source=Risk.Source.PROVIDER)
                .select_related("raised_by_organisation")
                .prefetch_related("services", "transitions__by").order_by("-created_at", "-pk"))

    @idempotent
    def create(self, request):
        if not policy.may_raise_provider_risk(request.user):
            raise exceptions.PermissionDenied("Only service providers raise risks here.")
        body = ProviderRiskWriteSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        with domain_errors():
            risk = services.raise_provider_risk(by=request.user, **body.validated_data)
        fresh = self.get_queryset().get(pk=risk.pk)
        return Response(ProviderRiskSerializer(fresh).data, status=status.HTTP_201_CREATED)
