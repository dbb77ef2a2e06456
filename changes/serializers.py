"""API representations of change notifications, the schedule, consultations and participants'
own outages."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts import policy
from accounts.models import User
from kernel.api_input import WholeFieldsOnPatch
from services.models import Service

from .models import (
    ChangeAttachment,
    ChangeNotification,
    ChangeTransition,
    ChangeWarning,
    ConsultationRequest,
    OutageTransition,
    OutageWarning,
    ParticipantOutage,
)

MAX_IMPACTS = 50


class ImpactSerializer(serializers.Serializer):
    service = serializers.SlugRelatedField(
        slug_field="code", queryset=Service.objects.active(),
        help_text="Service code from the catalogue, e.g. `css-registration`.")
    impact = serializers.ChoiceField(choices=ChangeNotification.Impact.choices)


class WarningSerializer(serializers.ModelSerializer):
    other_change = serializers.SlugRelatedField(slug_field="reference", read_only=True)

    class Meta:
        model = ChangeWarning
        fields = ["kind", "message", "other_change"]


class TransitionSerializer(serializers.ModelSerializer):
    by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    # Plain strings (values of `status`), so the schema names the status enum once.
    from_status = serializers.CharField(read_only=True)
    to_status = serializers.CharField(read_only=True)

    class Meta:
        model = ChangeTransition
        fields = ["from_status", "to_status", "by", "at", "reason", "is_retrospective_approval"]


class AttachmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = ChangeAttachment
        fields = ["id", "original_name", "content_type", "size", "uploaded_at"]


class AttachmentUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text=ChangeAttachment.policy.help_text)


class ChangeNotificationSerializer(serializers.ModelSerializer):
    """A notification as its provider sees it, with its warnings and history."""

    provider = serializers.SlugRelatedField(slug_field="short_code", read_only=True)
    contact = serializers.SlugRelatedField(slug_field="username", read_only=True)
    impacts = serializers.SerializerMethodField()
    warnings = WarningSerializer(many=True, read_only=True)
    transitions = TransitionSerializer(many=True, read_only=True)
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = ChangeNotification
        fields = ["reference", "status", "change_type", "title", "description", "risk",
                  "back_out_plan", "planned_start", "planned_end", "impacts", "provider",
                  "contact", "submitted_at", "approved_at", "approved_retrospectively",
                  "warnings", "transitions", "attachments", "created_at", "updated_at"]

    @extend_schema_field(ImpactSerializer(many=True))
    def get_impacts(self, obj):
        return [{"service": i.service.code, "impact": i.impact} for i in obj.impacts.all()]


class ChangeNotificationWriteSerializer(WholeFieldsOnPatch, serializers.Serializer):
    """Fields a provider sends to create or update a draft (all UTC or with an offset).

    PATCH may send any of them; each one sent is validated as on create."""

    title = serializers.CharField(max_length=200)
    change_type = serializers.ChoiceField(choices=ChangeNotification.Type.choices)
    description = serializers.CharField(max_length=20000)
    risk = serializers.CharField(max_length=10000)
    back_out_plan = serializers.CharField(max_length=10000)
    planned_start = serializers.DateTimeField()
    planned_end = serializers.DateTimeField()
    impacts = ImpactSerializer(many=True, max_length=MAX_IMPACTS,
                               help_text="Expected impact per affected service.")
    contact = serializers.SlugRelatedField(
        slug_field="username", queryset=User.objects.people().filter(is_active=True),
        required=False, allow_null=True,
        help_text="Username of the person to call (a person of your organisation).")

    def validate_contact(self, contact):
        organisation_id = self.context["request"].user.organisation_id
        if contact is not None and contact.organisation_id != organisation_id:
            raise serializers.ValidationError("The contact must belong to your organisation.")
        return contact

    def validate_impacts(self, impacts):
        codes = [item["service"].code for item in impacts]
        if len(codes) != len(set(codes)):
            raise serializers.ValidationError("Each service may be listed once.")
        return impacts

    def validate(self, attrs):
        start = attrs.get("planned_start", getattr(self.instance, "planned_start", None))
        end = attrs.get("planned_end", getattr(self.instance, "planned_end", None))
        if start and end and end <= start:
            raise serializers.ValidationError(
                {"planned_end": ["The planned end must be after the planned start."]})
        return attrs


class ActionSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


class FailureSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(
        choices=[("failed", "Failed"), ("backed_out", "Backed out")],
        help_text="`failed`: it did not work; `backed_out`: reversed with the back-out plan.")
    reason = serializers.CharField(max_length=5000)


class ScheduleEntrySerializer(serializers.ModelSerializer):
    """A change on the published Forward Schedule of Change (what every party may read)."""

    provider = serializers.CharField(source="provider.name")
    impacts = serializers.SerializerMethodField()

    class Meta:
        model = ChangeNotification
        fields = ["reference", "title", "change_type", "status", "provider", "planned_start",
                  "planned_end", "impacts"]

    @extend_schema_field(ImpactSerializer(many=True))
    def get_impacts(self, obj):
        return [{"service": i.service.code, "impact": i.impact} for i in obj.impacts.all()]


class ConsultationSerializer(serializers.ModelSerializer):
    change_notification = ScheduleEntrySerializer(read_only=True)
    services = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)

    class Meta:
        model = ConsultationRequest
        fields = ["id", "change_notification", "services", "deadline", "response", "comment",
                  "responded_at"]


class ConsultationResponseSerializer(serializers.Serializer):
    response = serializers.ChoiceField(choices=[("no_impact", "No impact"),
                                                ("impact", "Impact")])
    comment = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


# --- Market Participants' own outages -----------------------------------------
class OutageWarningSerializer(serializers.ModelSerializer):
    class Meta:
        model = OutageWarning
        fields = ["kind", "message"]


class OutageTransitionSerializer(serializers.ModelSerializer):
    from_status = serializers.CharField(read_only=True)
    to_status = serializers.CharField(read_only=True)

    class Meta:
        model = OutageTransition
        fields = ["from_status", "to_status", "at", "reason"]


class ParticipantOutageSerializer(serializers.ModelSerializer):
    """An outage of a participant's own systems. `contact_*` are shown to the declaring
    organisation and internal staff only (empty for other readers)."""

    organisation = serializers.SlugRelatedField(slug_field="short_code", read_only=True)
    services = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    warnings = OutageWarningSerializer(many=True, read_only=True)
    transitions = OutageTransitionSerializer(many=True, read_only=True)
    CONTACT_FIELDS = ("contact_name", "contact_phone", "contact_email")

    class Meta:
        model = ParticipantOutage
        fields = ["reference", "organisation", "kind", "status", "title", "description",
                  "starts_at", "ends_at", "services", "flows_affected", "audience",
                  "contact_name", "contact_phone", "contact_email", "warnings", "transitions",
                  "created_at", "updated_at"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        user = self.context["request"].user
        if not (policy.is_internal(user)
                or policy.same_organisation(user, instance.organisation_id)):
            data.update(dict.fromkeys(self.CONTACT_FIELDS, ""))
        return data


class ParticipantOutageWriteSerializer(WholeFieldsOnPatch, serializers.Serializer):
    """What a participant sends to declare (or, PATCH, revise) an outage; times in UTC or
    with an offset. `kind` cannot be changed once declared."""

    kind = serializers.ChoiceField(choices=ParticipantOutage.Kind.choices)
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=10000, required=False, allow_blank=True)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField(required=False, allow_null=True,
                                        help_text="Required for a planned outage.")
    services = serializers.ListField(
        child=serializers.SlugRelatedField(slug_field="code", queryset=Service.objects.active()),
        required=False, max_length=MAX_IMPACTS,
        help_text="Codes of the central services it stops you using.")
    flows_affected = serializers.CharField(max_length=300, required=False, allow_blank=True)
    audience = serializers.ChoiceField(choices=ParticipantOutage.Audience.choices,
                                       required=False)
    contact_name = serializers.CharField(max_length=120)
    contact_phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    contact_email = serializers.EmailField(required=False, allow_blank=True)

    def validate_services(self, services):
        codes = [service.code for service in services]
        if len(codes) != len(set(codes)):
            raise serializers.ValidationError("Each service may be listed once.")
        return services

    def validate(self, attrs):
        start = attrs.get("starts_at", getattr(self.instance, "starts_at", None))
        end = attrs.get("ends_at", getattr(self.instance, "ends_at", None))
        if start and end and end <= start:
            raise serializers.ValidationError({"ends_at": ["The end must be after the start."]})
        return attrs
