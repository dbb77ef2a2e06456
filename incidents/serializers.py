"""API representations of incidents; validation is field-level (400 with `fields`)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts import policy
from accounts.models import Organisation
from kernel.api_fields import PrototypeFields
from kernel.clocks.serializers import ClockSerializer
from services.catalogue import CatalogueCodeField

from . import selectors
from .models import (
    SEVERITY_GUIDANCE,
    Incident,
    IncidentComment,
    PendingReason,
    ProviderTask,
    ResolutionCode,
    Status,
)

SEVERITY_FIELD = dict(min_value=1, max_value=4, help_text="; ".join(
    f"{n}: {text}" for n, text in SEVERITY_GUIDANCE.items()))

class ProviderTaskSummarySerializer(serializers.ModelSerializer):
    resolver_group = serializers.SlugRelatedField(slug_field="short_code", read_only=True)
    status = serializers.CharField(read_only=True, help_text="open, in_progress, completed, "
                                   "rejected, handed_over or stopped")
    due = serializers.DateTimeField(read_only=True, allow_null=True,
                                    help_text="The desk's due time, else the OLA's.")
    holds_up_restoration = serializers.SerializerMethodField(
        help_text="true for the open task restoration waits for, as the incident page marks "
                  "it: the most overdue, else the one due last (of all the incident's open "
                  "tasks, including those the caller does not see).")

    class Meta:
        model = ProviderTask
        fields = ["id", "resolver_group", "status", "assigned_at", "due", "ended_at",
                  "ola_due_at", "reason", "holds_up_restoration"]

    def get_holds_up_restoration(self, task) -> bool:
        return task.pk == self.context.get("holding_up_id")


class CommunicationPlanSerializer(serializers.Serializer):
    cadence_minutes = serializers.IntegerField(
        help_text="How often an update is due: the cadence for the incident's severity when "
                  "the plan started.")
    next_update_due_at = serializers.DateTimeField(
        allow_null=True, help_text="When the next update is due; null once restored.")
    last_update_at = serializers.DateTimeField(
        allow_null=True, help_text="When the latest communication went out.")
    last_update_by = serializers.CharField(
        source="last_update_by.username", allow_null=True,
        help_text="Username of who sent it; null when the system did.")

class IncidentSerializer(PrototypeFields, serializers.ModelSerializer):
    organisation = serializers.SlugRelatedField(slug_field="short_code", read_only=True)
    raised_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    assigned_group = serializers.SlugRelatedField(slug_field="short_code", read_only=True)
    services = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    duplicate_of = serializers.SlugRelatedField(slug_field="reference", read_only=True)
    master = serializers.SlugRelatedField(
        slug_field="reference", read_only=True,
        help_text="The master incident this one follows (its status and updates), if any.")
    severity_guidance = serializers.CharField(read_only=True)
    # Plain fields on output: the choice sets are documented once, on the input serializers.
    status = serializers.CharField(read_only=True, help_text="new, in_progress, pending, "
                                   "resolved, closed or cancelled")
    severity = serializers.IntegerField(read_only=True)
    proposed_severity = serializers.IntegerField(read_only=True, allow_null=True)
    channel = serializers.CharField(read_only=True)
    pending_reason = serializers.CharField(read_only=True)
    resolution_code = serializers.CharField(read_only=True)
    kind = serializers.CharField(read_only=True, help_text="service or security")

    class Meta:
        model = Incident
        fields = ["reference", "title", "description", "status", "pending_reason", "severity",
                  "severity_guidance", "proposed_severity", "channel", "organisation",
                  "raised_by", "services", "is_major", "assigned_group", "duplicate_of", "master",
                  "resolution_code", "resolution_notes", "created_at", "updated_at",
                  "responded_at", "resolved_at", "closed_at", "response_due_at",
                  "resolution_due_at", "sla_paused", "response_breached",
                  "resolution_breached", "kind", "released_at"]
        read_only_fields = fields

class IncidentDetailSerializer(IncidentSerializer):
    tasks = serializers.SerializerMethodField(
        help_text="Provider tasks the caller may see: the desk all, a provider its own, a "
                  "participant none.")

    communication_plan = serializers.SerializerMethodField(
        help_text="A major incident's communication plan, as the workspace shows it (staff "
                  "only; null for others and for an incident without a plan).")

    class Meta(IncidentSerializer.Meta):
        fields = [*IncidentSerializer.Meta.fields, "tasks", "communication_plan"]
        read_only_fields = fields

    @extend_schema_field(ProviderTaskSummarySerializer(many=True))
    def get_tasks(self, incident):
        if incident.known_to_have_no_tasks():
            return []  # just raised: the create answers without asking
        user = self.context["request"].user
        tasks = list(ProviderTask.objects.visible_to(user).filter(incident=incident)
                     .select_related("resolver_group"))
        if not tasks:
            return []
        # Staff see every task already; a provider's own are judged among all open ones.
        holding_up = selectors.holding_up_restoration(incident, tasks=selectors.open_tasks(
            incident, tasks=tasks if policy.is_internal(user) else None))
        return ProviderTaskSummarySerializer(
            tasks, many=True, context={"holding_up_id": holding_up and holding_up.pk}).data

    @extend_schema_field(CommunicationPlanSerializer(allow_null=True))
    def get_communication_plan(self, incident):
        if incident.known_to_have_no_tasks() or not policy.is_internal(
                self.context["request"].user):
            return None  # just raised (no plan yet, nothing to ask), or not staff
        plan = selectors.communication_plan_of(incident)
        return None if plan is None else CommunicationPlanSerializer(plan).data

class IncidentCreateSerializer(PrototypeFields, serializers.Serializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=20000)
    services = CatalogueCodeField(many=True, allow_empty=False,
                                  help_text="Service codes from the catalogue.")
    severity = serializers.IntegerField(**SEVERITY_FIELD)
    organisation = serializers.SlugRelatedField(
        slug_field="short_code", queryset=Organisation.objects.filter(is_active=True),
        required=False, help_text="Desk only: the organisation the incident is raised for.")
    channel = serializers.ChoiceField(choices=Incident.Channel.choices, required=False,
                                      help_text="Desk only (e.g. phone); others get 'api'.")
    kind = serializers.ChoiceField(
        choices=Incident.Kind.choices, required=False, default=Incident.Kind.SERVICE,
        help_text="security: an information security incident, seen only by the desk, "
                  "Switching Operations, the provider it is handed to and the raising "
                  "organisation's security contacts (raised by the desk or a security contact).")

    def validate_kind(self, value):
        if value == Incident.Kind.SECURITY and not policy.may_raise_security_incident(
                self.context["request"].user):
            raise serializers.ValidationError(
                "Only the desk and an organisation's security contacts raise security incidents.")
        return value

    def validate_title(self, value):
        if not value.strip():
            raise serializers.ValidationError("Enter a title.")
        return value

    def validate(self, attrs):
        user = self.context["request"].user
        if not policy.may_work_incident(user):
            if "organisation" in attrs and attrs["organisation"].pk != user.organisation_id:
                raise serializers.ValidationError(
                    {"organisation": "You may only raise incidents for your own organisation."})
            attrs.pop("channel", None)
        return attrs

class IncidentUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(max_length=20000, required=False)
    services = CatalogueCodeField(many=True, required=False, allow_empty=False)

class TransitionSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=Status.choices)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=5000,
                                   default="")
    pending_reason = serializers.ChoiceField(choices=PendingReason.choices, required=False,
                                             default="")
    resolution_code = serializers.ChoiceField(choices=ResolutionCode.choices, required=False,
                                              default="")
    resolution_notes = serializers.CharField(required=False, allow_blank=True, default="",
                                             max_length=10000)
    duplicate_of = serializers.CharField(required=False, allow_null=True, default=None,
                                         help_text="Reference of the original (cancel only).")

    def validate_duplicate_of(self, value):
        if not value:
            return None
        user = self.context["request"].user
        incident = Incident.objects.visible_to(user).filter(reference=value).first()
        if incident is None:
            raise serializers.ValidationError(f"No incident {value}.")
        return incident

class SecurityDecisionSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)

class SeveritySerializer(serializers.Serializer):
    severity = serializers.IntegerField(**SEVERITY_FIELD)
    reason = serializers.CharField(max_length=2000)

class AssignSerializer(serializers.Serializer):
    resolver_group = serializers.SlugRelatedField(
        slug_field="short_code", queryset=Organisation.objects.resolver_groups())
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)

class CommentSerializer(serializers.ModelSerializer):
    author = serializers.SlugRelatedField(slug_field="username", read_only=True)
    via = serializers.CharField(read_only=True)
    public = serializers.BooleanField(source="is_public", default=True,
                                      help_text="false: an internal work note (desk only).")

    class Meta:
        model = IncidentComment
        fields = ["author", "body", "public", "via", "created_at"]
        read_only_fields = ["author", "via", "created_at"]

class SlaSerializer(serializers.Serializer):
    response = ClockSerializer()
    resolution = ClockSerializer()
    response_severity = serializers.IntegerField(
        help_text="The severity whose target the response clock is judged on.")
    resolution_severity = serializers.IntegerField(
        help_text="The severity whose target the resolution clock is judged on (the severity "
                  "in force at resolution once resolved).")
    explanation = serializers.ListField(child=serializers.CharField())

