"""REST API of the demand app: forecasts (JSON or CSV), aggregates, alerts and actuals."""

from django.db import transaction
from django.db.models import Sum
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import policy
from accounts.models import Organisation
from kernel.api_errors import Conflict
from kernel.api_schema import ApiErrorSerializer
from kernel.idempotency import idempotent
from kernel.input_guard import GuardedFormParser, GuardedMultiPartParser
from services.models import Service

from . import csv_import, services
from .errors import InvalidTransition
from .models import ActualVolume, ExcessiveDemandAlert, Forecast, Unit, validate_window

UPLOAD_EXAMPLE = ("service,window_start,window_end,volume,unit,reason\n"
                  "css-registration,2026-03-02T08:00,2026-03-02T12:00,4000,switch_requests,"
                  "Migration of an acquired book\n")


class ForecastSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True)
    service = serializers.SlugRelatedField(slug_field="code", queryset=Service.objects.active())
    organisation = serializers.SlugRelatedField(slug_field="short_code", read_only=True)
    alert = serializers.SerializerMethodField()
    volume = serializers.IntegerField(min_value=1, max_value=10_000_000)
    # Declared with its default so a body without `unit` reaches submit_forecast complete.
    unit = serializers.ChoiceField(choices=Unit.choices, default=Unit.SWITCH_REQUESTS)

    class Meta:
        model = Forecast
        fields = ["id", "reference", "service", "organisation", "window_start", "window_end",
                  "volume", "unit", "reason", "status", "alert", "created_at"]
        read_only_fields = ["status", "created_at"]

    def get_alert(self, obj) -> str | None:
        return obj.alert.reference if obj.alert_id else None

    def validate(self, attrs):
        errors = validate_window(attrs.get("window_start"), attrs.get("window_end"))
        if errors:
            raise ValidationError(errors)
        return attrs


def _row_messages(report):
    return [f"Row {e.row}, column {e.column or '-'}: {e.message}" for e in report.errors]


def _upload_text(request):
    """Return the CSV from a multipart `file` part or a text/csv body; 400 if neither."""
    upload = request.FILES.get("file")
    if upload is not None:
        return upload
    if request.content_type.startswith("text/csv"):
        return request.body
    raise ValidationError({"file": ["Send the CSV as multipart field 'file' or a text/csv body."]})


class CsvParser(JSONParser):
    """Let text/csv bodies through untouched; the view reads request.body."""

    media_type = "text/csv"

    def parse(self, stream, media_type=None, parser_context=None):
        return {}


@extend_schema(tags=["Demand"])
class ForecastViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Non-BAU demand forecasts. You see your own organisation's (providers also those
    Switching Operations shared with them); staff see all."""

    serializer_class = ForecastSerializer
    filterset_fields = ["status", "unit"]

    def get_queryset(self):
        return (Forecast.objects.visible_to(self.request.user)
                .select_related("service", "organisation", "alert"))

    def _require_submitter(self):
        if not policy.may_submit_forecast(self.request.user):
            raise PermissionDenied("Only Market Participants and providers submit forecasts.")

    @idempotent
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)

    def perform_create(self, serializer):
        self._require_submitter()
        user = self.request.user
        serializer.instance = services.submit_forecast(
            organisation=user.organisation, submitted_by=user, **serializer.validated_data)

    @extend_schema(
        request={"multipart/form-data": inline_serializer(
            "ForecastUpload", {"file": serializers.FileField()}), "text/csv": OpenApiTypes.STR},
        responses={201: inline_serializer("ForecastUploadResult", {
            "imported": serializers.IntegerField(), "ids": serializers.ListField(
                child=serializers.IntegerField())})},
        examples=[OpenApiExample("CSV body", value=UPLOAD_EXAMPLE, request_only=True,
                                 media_type="text/csv")],
        description="Import many forecasts. Every row is checked first; if any is wrong "
                    "nothing is imported and `fields.rows` lists each problem (row, column).",
    )
    @action(detail=False, methods=["post"],
            parser_classes=[GuardedMultiPartParser, GuardedFormParser, CsvParser])
    @idempotent
    def upload(self, request):
        self._require_submitter()
        report = csv_import.read_forecasts(_upload_text(request))
        if not report.ok:
            raise ValidationError({"file": [f"{len(report.errors)} problem(s); nothing was "
                                            "imported."], "rows": _row_messages(report)})
        created = services.import_forecasts(organisation=request.user.organisation,
                                            submitted_by=request.user, rows=report.rows)
        return Response({"imported": len(created), "ids": [f.pk for f in created]},
                        status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=ForecastSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        forecast = self.get_object()
        try:
            services.withdraw_forecast(forecast=forecast, by=request.user)
        except InvalidTransition as exc:
            raise Conflict(str(exc)) from None
        return Response(self.get_serializer(forecast).data)

    @extend_schema(request=inline_serializer("ForecastShare", {
        "organisation": serializers.CharField(help_text="Provider short code"),
        "reason": serializers.CharField(required=False)}), responses={204: None})
    @action(detail=True, methods=["post"])
    def share(self, request, pk=None):
        if not policy.may_decide_demand(request.user):
            raise PermissionDenied("Only Switching Operations share forecasts.")
        forecast = self.get_object()
        code = str(request.data.get("organisation", ""))
        organisation = Organisation.objects.filter(short_code=code).first()
        if organisation is None:
            raise ValidationError({"organisation": ["No organisation with that short code."]})
        try:
            services.share_forecast(forecast=forecast, organisation=organisation, by=request.user,
                                    reason=str(request.data.get("reason", ""))[:500])
        except InvalidTransition as exc:
            raise ValidationError({"organisation": [str(exc)]}) from None
        return Response(status=status.HTTP_204_NO_CONTENT)


class AggregateSerializer(serializers.Serializer):
    window_start = serializers.DateTimeField()
    window_end = serializers.DateTimeField()
    unit = serializers.CharField()
    total_volume = serializers.IntegerField()


@extend_schema(tags=["Demand"], parameters=[
    OpenApiParameter("service", str, required=True, description="Service code"),
    OpenApiParameter("from", OpenApiTypes.DATETIME, required=False),
    OpenApiParameter("to", OpenApiTypes.DATETIME, required=False),
], responses={200: AggregateSerializer(many=True), 404: OpenApiResponse(
    ApiErrorSerializer, description="You may not see this service's demand.")})
class AggregateView(APIView):
    """Total forecast demand per window on one service, without who forecast it.

    For the service's provider (and staff). Withdrawn forecasts do not count.
    """

    def get(self, request):
        service = Service.objects.filter(code=request.query_params.get("service", "")).first()
        if service is None:
            raise ValidationError({"service": ["Give the code of a service."]})
        if policy.demand_view_of_service(request.user, service) not in ("all", "aggregate"):
            raise NotFound()
        rows = Forecast.objects.counted().filter(service=service)
        bounds = {}
        for param, lookup in (("from", "window_end__gt"), ("to", "window_start__lt")):
            text = request.query_params.get(param)
            if text:
                try:
                    bounds[lookup] = serializers.DateTimeField().run_validation(text)
                except ValidationError:
                    raise ValidationError({param: ["Use an ISO 8601 date and time."]}) from None
        rows = (rows.filter(**bounds).values("window_start", "window_end", "unit")
                .annotate(total_volume=Sum("volume")).order_by("window_start", "window_end"))
        return Response(AggregateSerializer(rows[:2000], many=True).data)


class AlertSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True)
    service = serializers.SlugRelatedField(slug_field="code", read_only=True)
    threshold = serializers.CharField(source="threshold.name", read_only=True)

    class Meta:
        model = ExcessiveDemandAlert
        fields = ["id", "reference", "basis", "service", "unit", "threshold", "max_volume",
                  "peak_volume", "peak_at", "breach_start", "breach_end", "status",
                  "outcome_note", "created_at"]


class OutcomeSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=["accepted", "mitigated", "cannot_be_met"])
    note = serializers.CharField()


@extend_schema(tags=["Demand"])
class AlertViewSet(viewsets.ReadOnlyModelViewSet):
    """Excessive-demand alerts: staff see all, providers those on their services."""

    serializer_class = AlertSerializer
    filterset_fields = ["status"]

    def get_queryset(self):
        return (ExcessiveDemandAlert.objects.visible_to(self.request.user)
                .select_related("service", "threshold"))

    @extend_schema(request=OutcomeSerializer, responses=AlertSerializer)
    @action(detail=True, methods=["post"])
    def outcome(self, request, pk=None):
        """Record Switching Operations' outcome; "cannot_be_met" drafts a risk."""
        alert = self.get_object()
        if not policy.may_decide_demand(request.user):
            raise PermissionDenied("Only Switching Operations record demand outcomes.")
        data = OutcomeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            with transaction.atomic():
                services.record_outcome(alert=alert, by=request.user, **data.validated_data)
        except InvalidTransition as exc:
            raise Conflict(str(exc)) from None
        alert.refresh_from_db()
        return Response(self.get_serializer(alert).data)


class ActualSerializer(serializers.ModelSerializer):
    service = serializers.SlugRelatedField(slug_field="code", read_only=True)
    participant = serializers.SlugRelatedField(slug_field="short_code", read_only=True)

    class Meta:
        model = ActualVolume
        fields = ["service", "participant", "unit", "hour_start", "volume", "reported_at"]


@extend_schema(tags=["Demand"])
class ActualVolumeViewSet(viewsets.GenericViewSet, mixins.ListModelMixin):
    """Actual hourly volumes per service and participant, reported by providers."""

    serializer_class = ActualSerializer
    filterset_fields = ["unit"]

    def get_queryset(self):
        return (ActualVolume.objects.visible_to(self.request.user)
                .select_related("service", "participant"))

    @extend_schema(
        request={"multipart/form-data": inline_serializer(
            "ActualUpload", {"file": serializers.FileField()}), "text/csv": OpenApiTypes.STR},
        responses={201: inline_serializer("ActualUploadResult",
                                          {"stored": serializers.IntegerField()})},
        examples=[OpenApiExample("CSV body", media_type="text/csv", request_only=True, value=(
            "service,participant,hour_start,volume,unit\n"
            "uk-link,brightwater,2026-03-02T09:00,1830,switch_requests\n"))],
        description="Report actual volumes (CSV): all rows valid or nothing stored. A later "
                    "report for the same service, participant and hour replaces the earlier. "
                    "Each hour's total is checked against the capacity band in force: hours "
                    "over it raise an actual-demand alert (`basis` actual), once per run of "
                    "consecutive hours, and the desk and every CDS provider are told.",
    )
    @action(detail=False, methods=["post"],
            parser_classes=[GuardedMultiPartParser, GuardedFormParser, CsvParser])
    def upload(self, request):
        if not policy.may_report_actuals(request.user):
            raise PermissionDenied("Only providers report actual volumes.")
        reporter = None if policy.is_operations(request.user) else request.user.organisation
        report = csv_import.read_actuals(_upload_text(request), reporting_organisation=reporter)
        if not report.ok:
            raise ValidationError({"file": [f"{len(report.errors)} problem(s); nothing was "
                                            "stored."], "rows": _row_messages(report)})
        stored = services.report_actuals(reported_by=request.user, rows=report.rows)
        return Response({"stored": len(stored)}, status=status.HTTP_201_CREATED)
