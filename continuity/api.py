"""REST API for continuity (/api/v1/continuity/...): thin views over continuity.services."""

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from accounts.models import User
from kernel.api_errors import Conflict
from kernel.idempotency import idempotent

from . import services
from .errors import InvalidTransition, NotAllowed
from .models import (
    ContinuityContact,
    ContinuityPlan,
    CrisisInvocation,
    CrisisLogEntry,
    DisasterRecoveryTest,
    RecoveryAction,
)


class ContactSerializer(serializers.ModelSerializer):
    class Meta:
        model = ContinuityContact
        fields = ["position", "name", "role", "email", "phone"]


class PlanSerializer(serializers.ModelSerializer):
    service = serializers.SlugRelatedField(slug_field="code", read_only=True)
    contacts = ContactSerializer(many=True, read_only=True)

    class Meta:
        model = ContinuityPlan
        fields = ["id", "service", "title", "rto_minutes", "rpo_minutes", "invocation_criteria",
                  "recovery_procedure", "last_tested_on", "reviewed_on", "contacts"]
        read_only_fields = fields


class ActionSerializer(serializers.ModelSerializer):
    owner = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = RecoveryAction
        fields = ["id", "description", "owner", "due_on", "status", "done_at"]
        read_only_fields = fields


class DrTestSerializer(serializers.ModelSerializer):
    actions = ActionSerializer(many=True, read_only=True)
    recorded_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    met_rto = serializers.BooleanField(read_only=True, allow_null=True)
    met_rpo = serializers.BooleanField(read_only=True, allow_null=True)

    class Meta:
        model = DisasterRecoveryTest
        fields = ["id", "plan", "tested_on", "scenario", "result", "recovery_minutes",
                  "data_loss_minutes", "met_rto", "met_rpo", "findings", "recorded_by",
                  "recorded_at", "actions"]
        read_only_fields = fields


class ActionInputSerializer(serializers.Serializer):
    description = serializers.CharField(max_length=500)
    owner = serializers.SlugRelatedField(
        slug_field="username", queryset=User.objects.filter(is_active=True,
                                                            is_system_account=False),
        help_text="Username of the person who owns the action (your organisation's, or staff).")
    due_on = serializers.DateField()

    def validate_owner(self, owner):
        user = self.context["request"].user
        if not User.objects.visible_to(user).filter(pk=owner.pk).exists():
            raise serializers.ValidationError("No such person in your organisation.")
        return owner


class DrTestCreateSerializer(serializers.Serializer):
    plan = serializers.PrimaryKeyRelatedField(queryset=ContinuityPlan.objects.all())
    tested_on = serializers.DateField()
    scenario = serializers.CharField(max_length=300)
    result = serializers.ChoiceField(choices=DisasterRecoveryTest.Result.choices)
    recovery_minutes = serializers.IntegerField(min_value=0, max_value=100_000, required=False,
                                                allow_null=True)
    data_loss_minutes = serializers.IntegerField(min_value=0, max_value=100_000,
                                                 required=False, allow_null=True)
    findings = serializers.CharField(max_length=10000, required=False, allow_blank=True,
                                     default="")
    actions = ActionInputSerializer(many=True, required=False, default=list)

    def validate_plan(self, plan):
        if not ContinuityPlan.objects.visible_to(self.context["request"].user).filter(
                pk=plan.pk).exists():
            raise serializers.ValidationError(f'Invalid pk "{plan.pk}" - object does not exist.')
        return plan


class LogEntrySerializer(serializers.ModelSerializer):
    by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = CrisisLogEntry
        fields = ["at", "kind", "text", "by"]
        read_only_fields = fields


class InvocationSerializer(serializers.ModelSerializer):
    incident = serializers.SlugRelatedField(slug_field="reference", read_only=True)
    invoked_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    summary = serializers.CharField(source="major_incident.summary", read_only=True)
    plans = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    log = LogEntrySerializer(many=True, read_only=True)

    class Meta:
        model = CrisisInvocation
        fields = ["id", "incident", "summary", "status", "invoked_at", "invoked_by",
                  "stood_down_at", "plans", "log"]
        read_only_fields = fields


@extend_schema(tags=["Continuity"])
class PlanViewSet(viewsets.ReadOnlyModelViewSet):
    """Continuity plans: staff see all; a provider the plans of its own services."""

    serializer_class = PlanSerializer
    filterset_fields = ["service__code"]

    def get_queryset(self):
        return (ContinuityPlan.objects.visible_to(self.request.user)
                .select_related("service").prefetch_related("contacts"))


@extend_schema(tags=["Continuity"])
class DrTestViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Disaster recovery tests with their results and actions (owners, due dates)."""

    serializer_class = DrTestSerializer
    filterset_fields = ["plan__service__code", "result"]

    def get_queryset(self):
        return (DisasterRecoveryTest.objects.visible_to(self.request.user)
                .select_related("recorded_by", "plan__service")
                .prefetch_related("actions__owner"))

    @extend_schema(request=DrTestCreateSerializer, responses={201: DrTestSerializer},
                   examples=[OpenApiExample("Failover test", value={
                       "plan": 1, "tested_on": "2026-11-20", "scenario": "Data centre loss",
                       "result": "issues", "recovery_minutes": 95, "data_loss_minutes": 0,
                       "findings": "DNS switch was manual.", "actions": [{
                           "description": "Automate the DNS switch", "owner": "xoserve",
                           "due_on": "2027-01-31"}]})])
    @idempotent
    def create(self, request, *args, **kwargs):
        """Record a DR test of a plan you may see (Switching Operations, the provider)."""
        data = DrTestCreateSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        v = dict(data.validated_data)
        actions = [(a["description"], a["owner"], a["due_on"]) for a in v.pop("actions")]
        try:
            test = services.record_dr_test(by=request.user, actions=actions, **v)
        except NotAllowed as exc:
            raise PermissionDenied(str(exc)) from exc
        except InvalidTransition as exc:
            raise Conflict(str(exc)) from exc
        test = self.get_queryset().get(pk=test.pk)
        return Response(DrTestSerializer(test).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["Continuity"])
class InvocationViewSet(viewsets.ReadOnlyModelViewSet):
    """BCDR invocations (Crisis Management Team step) with their log, for the major incidents
    you may see."""

    serializer_class = InvocationSerializer
    filterset_fields = ["status"]

    def get_queryset(self):
        return (CrisisInvocation.objects.visible_to(self.request.user)
                .select_related("incident", "invoked_by", "major_incident")
                .prefetch_related("plans", "log__by"))
