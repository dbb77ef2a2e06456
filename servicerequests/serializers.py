"""API representations of the request catalogue and requests; validation is field-level."""

from rest_framework import serializers

from accounts.models import Organisation, User
from kernel.clocks.serializers import ClockSerializer

from .models import (
    Approval,
    Channel,
    FulfilmentTask,
    RequestField,
    RequestItem,
    ServiceRequest,
    TaskStatus,
)


class RequestFieldSerializer(serializers.ModelSerializer):
    type = serializers.CharField(source="field_type", read_only=True,
                                 help_text="text, textarea, email, number, date, choice or "
                                           "checkbox")
    choices = serializers.ListField(source="choice_list", child=serializers.CharField(),
                                    read_only=True)
    min_value = serializers.FloatField(read_only=True, allow_null=True)
    max_value = serializers.FloatField(read_only=True, allow_null=True)

    class Meta:
        model = RequestField
        fields = ["key", "label", "type", "required", "choices", "min_value", "max_value",
                  "regex", "regex_message", "help_text"]


class RequestItemSerializer(serializers.ModelSerializer):
    fields = RequestFieldSerializer(many=True, read_only=True)
    needs_approval = serializers.BooleanField(read_only=True)
    # Plain strings on output, so these choice sets do not collide with other apps' enums.
    audience = serializers.CharField(read_only=True, help_text="participants, market_role, "
                                     "providers, everyone or internal")
    approver_role = serializers.CharField(read_only=True, help_text="'', org_admin or operations")
    fulfilment_group = serializers.CharField(read_only=True,
                                             help_text="desk, operations or provider")

    class Meta:
        model = RequestItem
        fields = ["code", "name", "description", "audience", "approver_role", "needs_approval",
                  "fulfilment_group", "fields"]


class ApprovalSerializer(serializers.ModelSerializer):
    decided_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Approval
        fields = ["approver_role", "decision", "requested_at", "decided_by", "decided_at",
                  "comment"]


class RequestTaskSerializer(serializers.ModelSerializer):
    assigned_group = serializers.SlugRelatedField(slug_field="short_code", read_only=True)
    status = serializers.CharField(read_only=True, help_text="open, in_progress, done or "
                                                             "cancelled")

    class Meta:
        model = FulfilmentTask
        fields = ["id", "title", "instructions", "assigned_group", "status", "created_at",
                  "due_at", "breached", "completed_at", "notes"]


class ServiceRequestSerializer(serializers.ModelSerializer):
    item = serializers.SlugRelatedField(slug_field="code", read_only=True)
    organisation = serializers.SlugRelatedField(slug_field="short_code", read_only=True)
    requester = serializers.SlugRelatedField(slug_field="username", read_only=True)
    raised_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    status = serializers.CharField(read_only=True, help_text="submitted, awaiting_approval, "
                                   "approved, rejected, in_fulfilment, fulfilled, closed or "
                                   "cancelled")
    channel = serializers.CharField(read_only=True)

    class Meta:
        model = ServiceRequest
        fields = ["reference", "item", "organisation", "requester", "raised_by", "channel",
                  "status", "created_at", "responded_at", "fulfilled_at", "closed_at",
                  "response_due_at", "fulfilment_due_at", "response_breached",
                  "fulfilment_breached", "sla_paused"]


class ServiceRequestDetailSerializer(ServiceRequestSerializer):
    answers = serializers.DictField(read_only=True)
    approval = ApprovalSerializer(read_only=True, allow_null=True)
    tasks = RequestTaskSerializer(many=True, read_only=True)

    class Meta(ServiceRequestSerializer.Meta):
        fields = [*ServiceRequestSerializer.Meta.fields, "answers", "outcome", "approval",
                  "tasks"]


class ServiceRequestCreateSerializer(serializers.Serializer):
    item = serializers.SlugRelatedField(slug_field="code", queryset=RequestItem.objects.active(),
                                        help_text="Catalogue item code, e.g. new-portal-user.")
    answers = serializers.DictField(help_text="Answers by field key; see the item's `fields`.")
    requester = serializers.SlugRelatedField(
        slug_field="username", queryset=User.objects.people().filter(is_active=True),
        required=False, help_text="Desk only: the person the request is for.")
    channel = serializers.ChoiceField(
        choices=[(c, label) for c, label in Channel.choices if c != Channel.PORTAL],
        required=False, default=Channel.API,
        help_text="api; the desk may record phone or email requests.")


class RequestTransitionSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=["in_fulfilment", "fulfilled", "closed", "cancelled",
                                          "approved", "rejected"])
    reason = serializers.CharField(required=False, allow_blank=True, default="",
                                   max_length=4000,
                                   help_text="Required to cancel or reject; the outcome when "
                                             "fulfilling.")


class RequestDecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["approve", "reject"])
    comment = serializers.CharField(required=False, allow_blank=True, default="",
                                    max_length=2000)


class RequestTaskCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    group = serializers.SlugRelatedField(
        slug_field="short_code", queryset=Organisation.objects.resolver_groups(),
        help_text="short_code of the desk, Operations or a CDS provider.")
    instructions = serializers.CharField(required=False, allow_blank=True, default="",
                                         max_length=4000)


class RequestTaskMoveSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=[TaskStatus.IN_PROGRESS, TaskStatus.DONE,
                                          TaskStatus.CANCELLED])
    notes = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)


class RequestSlaSerializer(serializers.Serializer):
    response = ClockSerializer()
    fulfilment = ClockSerializer()
    explanation = serializers.ListField(child=serializers.CharField())
