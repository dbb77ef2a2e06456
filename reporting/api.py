"""REST API of the reporting app: provider KPI returns (with a published JSON schema) and KPIs."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import policy
from accounts.models import Organisation
from kernel.api_input import bounded_int, integer_schema
from kernel.api_schema import ApiErrorSerializer
from kernel.idempotency import idempotent
from kernel.periods import Period
from servicerequests.models import RequestItem
from services.models import Service

from . import returns, services
from .errors import NotAllowed
from .kpis import definitions
from .kpis.engine import PeriodKpis, Scope
from .models import KpiReturn, KpiReturnFigure

RETURN_EXAMPLE = {
    "period": "2026-10",
    "notes": "Two Sev2 incidents caused by the certificate renewal.",
    "figures": [
        {"kpi": "availability", "service": "uk-link", "value": 99.95},
        {"kpi": "incidents", "severity": 2, "value": 2},
        {"kpi": "resolved_within_sla", "value": 96.5},
        {"kpi": "emergency_changes", "value": 1},
    ],
}


class FigureSerializer(serializers.ModelSerializer):
    service = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = KpiReturnFigure
        fields = ["kpi", "service", "severity", "value"]


class KpiReturnSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True)
    provider = serializers.SlugRelatedField(slug_field="short_code", read_only=True)
    is_late = serializers.BooleanField(read_only=True)
    figures = FigureSerializer(many=True, read_only=True)

    class Meta:
        model = KpiReturn
        fields = ["id", "reference", "provider", "period", "channel", "submitted_at", "due_on",
                  "is_late", "is_current", "notes", "figures"]


class FigureInSerializer(serializers.Serializer):
    """Documents the request body; validation is reporting.returns (the same for files)."""

    kpi = serializers.ChoiceField(choices=definitions.KEYS)
    service = serializers.CharField(required=False, allow_null=True,
                                    help_text="Service code; omit for your total.")
    severity = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=4)
    value = serializers.DecimalField(max_digits=14, decimal_places=3, min_value=0)


class KpiReturnInSerializer(serializers.Serializer):
    period = serializers.RegexField(r"^\d{4}-\d{2}$", help_text="Month reported on, e.g. 2026-10.")
    notes = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    figures = FigureInSerializer(many=True)


@extend_schema(tags=["KPI returns"])
class KpiReturnViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Monthly KPI summaries from CDS providers (strategy s.7.43). A provider sees and sends
    its own; Switching Operations, the desk and auditors see all. Another provider's return
    is 404. The body follows /api/v1/kpi-returns/schema.json."""

    serializer_class = KpiReturnSerializer

    def get_queryset(self):
        qs = KpiReturn.objects.visible_to(self.request.user).select_related("provider")
        qs = qs.prefetch_related("figures__service")
        period = self.request.query_params.get("period")
        if period:
            qs = qs.filter(period=period)
        if self.request.query_params.get("current") in ("1", "true"):
            qs = qs.current()
        return qs

    @extend_schema(
        request=KpiReturnInSerializer, responses={201: KpiReturnSerializer},
        examples=[OpenApiExample("October return", value=RETURN_EXAMPLE, request_only=True)],
        description="Submit (or resubmit, superseding) your return for a month that has ended. "
                    "Errors name the field, e.g. `figures.2.value`.")
    @idempotent
    def create(self, request, *args, **kwargs):
        user = request.user
        if not policy.may_submit_kpi_return(user):
            raise PermissionDenied("Only CDS providers submit KPI returns.")
        provider = Organisation.objects.get(pk=policy.organisation_scope(user))
        try:
            period, figures, notes = returns.clean_payload(request.data, provider=provider)
            kpi_return = services.submit_kpi_return(
                provider=provider, by=user, period=period, figures=figures, notes=notes,
                channel=KpiReturn.Channel.API)
        except returns.ReturnErrors as exc:
            raise ValidationError(exc.errors) from None
        except NotAllowed as exc:
            raise PermissionDenied(str(exc)) from None
        body = KpiReturnSerializer(self.get_queryset().get(pk=kpi_return.pk)).data
        return Response(body, status=status.HTTP_201_CREATED)


class KpiReturnSchemaView(APIView):
    """The published JSON Schema of a KPI return (public, so providers can validate offline)."""

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(tags=["KPI returns"], responses={200: OpenApiTypes.OBJECT},
                   description="JSON Schema (2020-12) of the KPI return body.")
    def get(self, request):
        return Response(returns.json_schema())


class KpiResultSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    unit = serializers.CharField()
    definition = serializers.CharField()
    value = serializers.FloatField(allow_null=True, help_text="A JSON number in `unit`.")
    population = serializers.IntegerField(help_text="Records (or services) it is based on.")
    target = serializers.FloatField(allow_null=True)
    met = serializers.BooleanField(allow_null=True)
    by_severity = serializers.DictField(child=serializers.DictField(), required=False)


class KpisSerializer(serializers.Serializer):
    period = serializers.CharField(help_text="The period key, e.g. 2026-10.")
    label = serializers.CharField()
    scope = serializers.CharField(
        help_text="End to end, a service, a provider, Sev1-4 or a request catalogue item.")
    kpis = KpiResultSerializer(many=True)


def kpi_payload(result):
    kpi = result.definition
    body = {"key": kpi.key, "title": kpi.title, "unit": kpi.unit, "definition": kpi.definition,
            "value": result.value, "population": result.population, "target": result.target,
            "met": result.met}
    if kpi.by_severity:
        body["by_severity"] = {str(sev): {"value": v, "population": n}
                               for sev, (v, n) in result.by_severity.items()}
    return body


@extend_schema(
    tags=["KPIs"], responses={200: KpisSerializer, 404: OpenApiResponse(
        ApiErrorSerializer, description="No such service or provider, or not yours.")},
    parameters=[
        OpenApiParameter("period", str, description="2026-10, 2026-W43, 2026-10-25 or "
                         "2026-10-01..2026-10-15 (UK time). Default: this month."),
        OpenApiParameter("service", str, description="Service code."),
        OpenApiParameter("provider", str, description="Provider short code."),
        OpenApiParameter("severity", integer_schema(minimum=1, maximum=4),
                         description="1-4 (incident KPIs only)."),
        OpenApiParameter("request_item", str, description="Request catalogue item code: that "
                         "item's service request KPIs only (not with service or severity). "
                         "A provider may ask for the items it fulfils."),
    ])
class KpiView(APIView):
    """The KPIs of the strategy's table for a period and scope, as the reports show them.

    Internal staff may ask for any scope; a provider gets its own organisation's figures
    (service request KPIs: the requests for the catalogue items it fulfils)."""

    def get(self, request):
        user, params = request.user, request.query_params
        try:
            period = Period.parse(params["period"]) if params.get("period") else \
                Period.containing("month")
        except ValueError as exc:
            raise ValidationError({"period": [str(exc)]}) from None
        scope = self._scope(user, params)
        results = PeriodKpis(period).results(scope)
        return Response({"period": period.key, "label": period.label, "scope": scope.label,
                         "kpis": [kpi_payload(r) for r in results.values()]})

    def _scope(self, user, params):
        if not (policy.is_internal(user) or policy.is_provider(user)):
            raise PermissionDenied("KPIs are for internal staff and providers.")
        provider = service = severity = None
        severity = bounded_int(params, "severity", minimum=1, maximum=4)
        if params.get("service"):
            service = Service.objects.visible_to(user).filter(code=params["service"]).first()
            if service is None:
                raise NotFound("No such service.")
        if params.get("provider"):
            provider = Organisation.objects.providers().filter(
                short_code=params["provider"]).first()
            if provider is None:
                raise NotFound("No such provider.")
        if params.get("request_item"):
            return self._request_item_scope(user, params, severity=severity)
        if policy.is_provider(user):
            own = policy.organisation_scope(user)
            if provider is not None and provider.pk != own or \
                    service is not None and service.provider_id != own:
                raise NotFound("No such provider or service.")
            if service is None:
                provider = Organisation.objects.get(pk=own)
        return Scope(service=service, provider=provider, severity=severity)

    def _request_item_scope(self, user, params, *, severity):
        if severity is not None or params.get("service") or params.get("provider"):
            raise ValidationError({"request_item": [
                "A catalogue item's KPIs are service request KPIs: leave out service, "
                "provider and severity."]})
        item = RequestItem.objects.filter(code=params["request_item"]).first()
        if item is None or policy.is_provider(user) and \
                item.fulfilment_provider_id != policy.organisation_scope(user):
            raise NotFound("No such request catalogue item, or not one you fulfil.")
        return Scope(request_item=item)
