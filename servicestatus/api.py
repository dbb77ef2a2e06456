"""REST API: the public status, service states, monitoring events from providers, bulletins."""

from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import policy
from kernel.api_errors import Conflict
from kernel.api_fields import PrototypeFields
from kernel.idempotency import idempotent
from services.catalogue import CatalogueCodeField

from . import snapshot
from .bulletins import BulletinError, record_receipt
from .events import ACTIVE, RESOLVED, ingest_event
from .models import Bulletin, Event, ServiceState, Status
from .services import StatusError, set_service_status
from .views import public_response

FUTURE_TOLERANCE = timedelta(minutes=5)  # clock skew allowed on a provider's occurred_at


def inline_choice(choices, **kwargs):
    """Return a ChoiceField documented as an inline enum.

    Field names such as `status` and `severity` are used by other apps with
    other choices; a named enum component per field name would collide in the
    schema, an inline enum cannot.
    """
    schema = {"type": "string", "enum": [value for value, _ in choices],
              "description": "; ".join(f"`{value}`: {label}" for value, label in choices)}

    @extend_schema_field(schema)
    class InlineChoiceField(serializers.ChoiceField):
        pass

    return InlineChoiceField(choices=choices, **kwargs)


@extend_schema(tags=["Service status"], auth=[],
               responses={200: OpenApiTypes.OBJECT},
               description="Public status of every public service, current service-affecting "
                           "incidents, planned maintenance, 90-day availability and public "
                           "bulletins. No authentication; served from cache.")
class PublicStatusView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]

    def get(self, request):
        return public_response(request, "public:json", snapshot.public_json, "application/json")


class EventSerializer(PrototypeFields, serializers.ModelSerializer):
    service = CatalogueCodeField()
    occurred_at = serializers.DateTimeField()
    dedup_key = serializers.CharField(max_length=200)
    message = serializers.CharField(max_length=5000)
    severity = inline_choice(Event.Severity.choices)
    state = serializers.ChoiceField(
        choices=[(ACTIVE, "Active"), (RESOLVED, "Resolved")], default=ACTIVE,
        help_text="`resolved` (like severity `clear`) closes the active event of this "
                  "dedup_key; an incident it raised that nobody has worked is resolved.")

    class Meta:
        model = Event
        fields = ["id", "source", "service", "severity", "state", "dedup_key", "message",
                  "occurred_at", "last_seen", "count", "cleared_at", "incident_reference"]
        read_only_fields = ["id", "last_seen", "count", "cleared_at", "incident_reference"]
        # Event has no unique constraint, so no model validators: declaring none spares DRF
        # looking for them on the model on every post (add them here with a constraint).
        validators = []

    def validate_occurred_at(self, value):
        if value > timezone.now() + FUTURE_TOLERANCE:
            raise serializers.ValidationError("occurred_at is in the future.")
        return value


@extend_schema(tags=["Event management"])
class EventViewSet(mixins.CreateModelMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Monitoring events. Providers POST events for the services they provide (org token).

    A repeat with the same `dedup_key` within the deduplication window is folded
    into the earlier event (its `count` goes up; 200 instead of 201). A clear (severity
    `clear`, or state `resolved`) closes the active event of its `dedup_key` (200; 201 if
    there was none, the clear is then stored on its own): the event stops holding its
    service Degraded, and an incident it raised is resolved with a note if no person has
    worked it, otherwise its assignee is told.
    """

    serializer_class = EventSerializer
    filterset_fields = ["severity", "service__code"]

    def get_queryset(self):
        return Event.objects.visible_to(self.request.user).select_related("service")

    @extend_schema(
        responses={201: EventSerializer, 200: EventSerializer},
        examples=[OpenApiExample("Exception", request_only=True, value={
            "source": "nagios-eu1", "service": "uk-link", "severity": "exception",
            "dedup_key": "uk-link/api/latency", "message": "API p95 latency above 5 s",
            "occurred_at": "2026-11-27T10:15:00Z"}),
            OpenApiExample("Clear", request_only=True, value={
                "source": "nagios-eu1", "service": "uk-link", "severity": "clear",
                "dedup_key": "uk-link/api/latency", "message": "API p95 latency back to 0.4 s",
                "occurred_at": "2026-11-27T10:40:00Z"})],
    )
    @idempotent
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if not policy.may_post_event(request.user, data["service"]):
            raise serializers.ValidationError(
                {"service": ["You may report events only for services you provide."]})
        event, created = ingest_event(
            by=request.user, service=data["service"], source=data["source"],
            severity=data["severity"], dedup_key=data["dedup_key"], message=data["message"],
            occurred_at=data["occurred_at"], state=data["state"],
        )
        serializer.instance = event  # the answer is the stored event, from the same fields
        return Response(serializer.data,
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class BulletinSerializer(serializers.ModelSerializer):
    services = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    kind = inline_choice(Bulletin.Kind.choices, read_only=True)
    audience = inline_choice(Bulletin.Audience.choices, read_only=True)
    status = inline_choice(Bulletin.State.choices, read_only=True)

    class Meta:
        model = Bulletin
        fields = ["id", "kind", "title", "body", "audience", "market_role", "services",
                  "requires_acknowledgement", "status", "published_at", "expires_at"]


@extend_schema(tags=["Bulletins"])
class BulletinViewSet(viewsets.ReadOnlyModelViewSet):
    """Bulletins addressed to the caller; internal bulletins reach internal staff only."""

    serializer_class = BulletinSerializer
    filterset_fields = ["kind", "audience"]

    def get_queryset(self):
        qs = Bulletin.objects.visible_to(self.request.user).prefetch_related("services")
        if not policy.is_internal(self.request.user):
            qs = qs.published()
        return qs.order_by("-published_at")

    @extend_schema(request=None, responses={200: inline_serializer("Receipt", {
        "read_at": serializers.DateTimeField(),
        "acknowledged_at": serializers.DateTimeField(allow_null=True)})})
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        """Record that the caller read (and, where asked, acknowledged) the bulletin."""
        bulletin = self.get_object()
        try:
            receipt = record_receipt(bulletin=bulletin, user=request.user,
                                     acknowledge=bulletin.requires_acknowledgement)
        except (BulletinError, PermissionDenied) as exc:
            raise Conflict(str(exc)) from exc
        return Response({"read_at": receipt.read_at, "acknowledged_at": receipt.acknowledged_at})


class ServiceStateSerializer(serializers.ModelSerializer):
    service = serializers.SlugRelatedField(slug_field="code", read_only=True)
    status = inline_choice(Status.choices, read_only=True)

    class Meta:
        model = ServiceState
        fields = ["service", "status", "since", "reason", "at_risk", "at_risk_because",
                  "manual_status", "auto_derive"]


class SetStatusSerializer(serializers.Serializer):
    status = inline_choice(Status.choices)
    reason = serializers.CharField(max_length=500)


@extend_schema(tags=["Service status"])
class ServiceStateViewSet(viewsets.ReadOnlyModelViewSet):
    """Current status of every service the caller may read, with reasons (signed-in parties)."""

    serializer_class = ServiceStateSerializer
    lookup_field = "service__code"
    lookup_url_kwarg = "code"

    def get_queryset(self):
        return ServiceState.objects.visible_to(self.request.user).select_related("service")

    @extend_schema(request=SetStatusSerializer, responses={200: ServiceStateSerializer})
    @action(detail=True, methods=["post"], url_path="set")
    def set_status(self, request, code=None):
        """Set the status by hand, with a reason (desk and Switching Operations)."""
        state = self.get_object()
        if not policy.may_set_service_status(request.user):
            raise PermissionDenied("Only the desk and Switching Operations set service status.")
        serializer = SetStatusSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            state = set_service_status(service=state.service, by=request.user,
                                       **serializer.validated_data)
        except StatusError as exc:
            raise serializers.ValidationError({"reason": [str(exc)]}) from exc
        return Response(ServiceStateSerializer(state).data)
