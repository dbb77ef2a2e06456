"""REST API for post-incident reconciliation (/api/v1/reconciliation-items/).

A participant or provider reads its own organisation's items, posts progress on its backlog
and signs off; internal staff read every item. Another party's item is 404.
"""

from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from kernel.api_schema import ApiErrorSerializer
from kernel.idempotency import idempotent

from . import reconciliation
from .api import _call
from .forms import BACKLOG_MAX
from .models import ReconciliationItem, ReconciliationProgress


class ProgressSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReconciliationProgress
        fields = ["at", "backlog", "remaining", "expected_completion", "note"]


class ReconciliationItemSerializer(serializers.ModelSerializer):
    incident = serializers.CharField(source="major_incident.incident.reference", read_only=True)
    organisation = serializers.CharField(source="organisation.short_code", read_only=True)
    percent_done = serializers.IntegerField(read_only=True, allow_null=True,
                                            help_text="(backlog - remaining) / backlog, "
                                                      "rounded down; 100 once signed off.")
    progress = ProgressSerializer(many=True, read_only=True)

    class Meta:
        model = ReconciliationItem
        fields = ["id", "incident", "organisation", "party_role", "status", "backlog", "unit",
                  "remaining", "percent_done", "expected_completion", "created_at",
                  "closed_at", "progress"]


class ProgressWriteSerializer(serializers.Serializer):
    """What a party posts: what is still outstanding (the backlog and unit the first time)."""

    remaining = serializers.IntegerField(min_value=0, max_value=BACKLOG_MAX)
    backlog = serializers.IntegerField(min_value=0, max_value=BACKLOG_MAX, required=False,
                                       help_text="Required with the first progress.")
    unit = serializers.CharField(max_length=60, required=False, allow_blank=False,
                                 help_text="Required with the first progress, e.g. "
                                           "'delayed switch requests'.")
    expected_completion = serializers.DateTimeField(required=False, allow_null=True)
    note = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")

    def validate(self, attrs):
        item = self.context["item"]
        backlog = attrs.get("backlog", item.backlog)
        if backlog is None:
            raise serializers.ValidationError({"backlog": ["State the backlog with the first "
                                                           "progress."]})
        if not (attrs.get("unit") or item.unit):
            raise serializers.ValidationError({"unit": ["Say what the backlog counts."]})
        if attrs["remaining"] > backlog:
            raise serializers.ValidationError({"remaining": [
                f"Cannot be more than the backlog ({backlog})."]})
        return attrs


class SignOffSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


ERRORS = {code: ApiErrorSerializer for code in (400, 403, 404, 409)}
PROGRESS_EXAMPLE = OpenApiExample("First progress report", request_only=True, value={
    "backlog": 200428, "unit": "delayed messages", "remaining": 150000,
    "expected_completion": "2026-12-20T17:00:00Z", "note": "Replaying from the queue."})


@extend_schema_view(
    list=extend_schema(summary="List your organisation's reconciliation items"),
    retrieve=extend_schema(summary="Retrieve one reconciliation item with its progress"),
)
@extend_schema(tags=["Reconciliation"])
class ReconciliationItemViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                                viewsets.GenericViewSet):
    """Backlogs to reconcile after major incidents, one item per affected party."""

    serializer_class = ReconciliationItemSerializer
    filterset_fields = ["status"]

    def get_queryset(self):
        return reconciliation.items_for(self.request.user).prefetch_related("progress")

    def _respond(self, item, code=status.HTTP_200_OK):
        return Response(self.get_serializer(self.get_queryset().get(pk=item.pk)).data,
                        status=code)

    @extend_schema(summary="Report progress on the backlog", request=ProgressWriteSerializer,
                   responses={201: ReconciliationItemSerializer, **ERRORS},
                   examples=[PROGRESS_EXAMPLE])
    @action(detail=True, methods=["post"])
    @idempotent
    def progress(self, request, pk=None):
        item = self.get_object()
        body = ProgressWriteSerializer(data=request.data, context={"item": item})
        body.is_valid(raise_exception=True)
        _call(reconciliation.record_progress, item=item, by=request.user, **body.validated_data)
        return self._respond(item, status.HTTP_201_CREATED)

    @extend_schema(summary="Sign off: your backlog is reconciled", request=SignOffSerializer,
                   responses={200: ReconciliationItemSerializer, **ERRORS})
    @action(detail=True, methods=["post"], url_path="sign-off")
    @idempotent
    def sign_off(self, request, pk=None):
        item = self.get_object()
        body = SignOffSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        _call(reconciliation.sign_off, item=item, by=request.user, **body.validated_data)
        return self._respond(item)
