"""REST API for provider records and service reviews (read): a provider reads its own."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets

from .models_providers import EscalationContact, ProviderRecord, ReviewAction, ServiceReview


class EscalationContactSerializer(serializers.ModelSerializer):
    class Meta:
        model = EscalationContact
        fields = ["level", "name", "role", "email", "phone", "hours"]


class ProviderRecordSerializer(serializers.ModelSerializer):
    provider = serializers.SlugRelatedField(slug_field="short_code", read_only=True)
    escalation_contacts = EscalationContactSerializer(many=True, read_only=True)

    class Meta:
        model = ProviderRecord
        fields = ["provider", "agreement_kind", "agreement_reference", "agreement_starts_on",
                  "agreement_ends_on", "service_hours", "review_every_months",
                  "escalation_contacts"]
        read_only_fields = fields


class ReviewActionSerializer(serializers.ModelSerializer):
    owner = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = ReviewAction
        fields = ["id", "description", "owner", "due_on", "status", "done_at"]
        read_only_fields = fields


class ServiceReviewSerializer(serializers.ModelSerializer):
    provider = serializers.SlugRelatedField(slug_field="short_code", read_only=True)
    period = serializers.SerializerMethodField()
    actions = ReviewActionSerializer(many=True, read_only=True)

    class Meta:
        model = ServiceReview
        fields = ["id", "provider", "period", "meeting_on", "status", "agenda",
                  "agenda_generated_at", "minutes", "actions"]
        read_only_fields = fields

    def get_period(self, review) -> str:
        return f"{review.period_start:%Y-%m}"


@extend_schema(tags=["Provider records"])
class ProviderRecordViewSet(viewsets.ReadOnlyModelViewSet):
    """Provider records (agreement, service hours, escalation contacts): staff read every
    provider's, a provider its own."""

    serializer_class = ProviderRecordSerializer
    lookup_field = "provider__short_code"
    lookup_url_kwarg = "provider"

    def get_queryset(self):
        return (ProviderRecord.objects.visible_to(self.request.user)
                .select_related("provider").prefetch_related("escalation_contacts"))


@extend_schema(tags=["Provider records"])
class ServiceReviewViewSet(viewsets.ReadOnlyModelViewSet):
    """Service reviews with their agenda (from the month's KPIs) and actions."""

    serializer_class = ServiceReviewSerializer
    filterset_fields = ["status"]

    def get_queryset(self):
        return (ServiceReview.objects.visible_to(self.request.user)
                .select_related("provider").prefetch_related("actions__owner"))
