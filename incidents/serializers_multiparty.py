"""API representations of provider tasks, master incidents, joining and communications."""

from rest_framework import serializers

from accounts.models import Organisation

from .models import (
    AffectedOrganisation,
    Communication,
    CommunicationKind,
    Incident,
    MasterLink,
    ProviderTask,
    ProviderTaskNote,
)


class TaskNoteSerializer(serializers.ModelSerializer):
    author = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = ProviderTaskNote
        fields = ["author", "body", "created_at"]
        read_only_fields = ["author", "created_at"]
        extra_kwargs = {"body": {"max_length": 10000}}


class ProviderTaskSerializer(serializers.ModelSerializer):
    incident = serializers.SlugRelatedField(slug_field="reference", read_only=True)
    resolver_group = serializers.SlugRelatedField(slug_field="short_code", read_only=True)
    handed_to = serializers.PrimaryKeyRelatedField(read_only=True)
    status = serializers.CharField(read_only=True, help_text="open, in_progress, completed, "
                                   "rejected, handed_over or stopped")
    ended_because = serializers.CharField(read_only=True)
    due = serializers.DateTimeField(read_only=True, allow_null=True,
                                    help_text="The desk's due time, else the OLA's.")
    ola_breached = serializers.SerializerMethodField()
    notes = TaskNoteSerializer(many=True, read_only=True)

    class Meta:
        model = ProviderTask
        fields = ["id", "incident", "resolver_group", "status", "reason", "assigned_at",
                  "due", "due_at", "ola_due_at", "ola_breached", "ended_at", "ended_because",
                  "outcome", "handed_to", "notes"]
        read_only_fields = fields

    def get_ola_breached(self, task) -> bool:
        return task.ola_breached()


class AddTaskSerializer(serializers.Serializer):
    resolver_group = serializers.SlugRelatedField(
        slug_field="short_code", queryset=Organisation.objects.resolver_groups())
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    due_at = serializers.DateTimeField(required=False, allow_null=True, default=None,
                                       help_text="Optional: when the desk needs it done "
                                                 "(default: the group's OLA).")


class TaskOutcomeSerializer(serializers.Serializer):
    outcome = serializers.CharField(required=False, allow_blank=True, default="",
                                    max_length=5000)


class TaskReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=5000)


class HandOverSerializer(serializers.Serializer):
    to = serializers.SlugRelatedField(slug_field="short_code",
                                      queryset=Organisation.objects.resolver_groups(),
                                      help_text="Short code of the group to hand the task to.")
    reason = serializers.CharField(max_length=5000)


class ReferenceListField(serializers.ListField):
    child = serializers.CharField(max_length=20)


class LinkChildrenSerializer(serializers.Serializer):
    children = ReferenceListField(min_length=1, max_length=500,
                                  help_text="References of the incidents to gather under it.")
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)

    def validate_children(self, value):
        found = {i.reference: i for i in Incident.objects.filter(reference__in=value)}
        missing = [ref for ref in value if ref not in found]
        if missing:
            raise serializers.ValidationError(f"No incident {', '.join(missing[:5])}.")
        return [found[ref] for ref in dict.fromkeys(value)]


class LinkToMasterSerializer(serializers.Serializer):
    master = serializers.SlugRelatedField(slug_field="reference",
                                          queryset=Incident.objects.all(),
                                          help_text="Reference of the master incident.")
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class ChildSerializer(serializers.ModelSerializer):
    organisation = serializers.SlugRelatedField(slug_field="short_code", read_only=True)
    status = serializers.CharField(read_only=True)

    class Meta:
        model = Incident
        fields = ["reference", "title", "status", "severity", "organisation", "created_at",
                  "resolved_at"]
        read_only_fields = fields


class LinkResultSerializer(serializers.Serializer):
    linked = serializers.ListField(child=serializers.CharField(), read_only=True)
    refused = serializers.DictField(child=serializers.CharField(), read_only=True,
                                    help_text="Reference -> why it was not linked.")


class MasterLinkSerializer(serializers.ModelSerializer):
    master = serializers.SlugRelatedField(slug_field="reference", read_only=True)
    child = serializers.SlugRelatedField(slug_field="reference", read_only=True)
    by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    action = serializers.CharField(read_only=True)

    class Meta:
        model = MasterLink
        fields = ["master", "child", "action", "by", "at", "reason"]
        read_only_fields = fields


class CommunicationSerializer(serializers.ModelSerializer):
    incident = serializers.SlugRelatedField(slug_field="reference", read_only=True)
    by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    kind = serializers.ChoiceField(choices=CommunicationKind.choices)

    class Meta:
        model = Communication
        fields = ["id", "incident", "kind", "body", "by", "at", "market_wide",
                  "organisations_told", "fanned_out_at"]
        read_only_fields = ["id", "incident", "by", "at", "market_wide", "organisations_told",
                            "fanned_out_at"]
        extra_kwargs = {"body": {"max_length": 20000, "required": False, "allow_blank": True,
                                 "help_text": "The message. Omitted or empty: the template "
                                              "draft for its kind is sent (as the console's "
                                              "form starts from)."}}


class JoinableIncidentSerializer(serializers.ModelSerializer):
    """What a participant is shown of another party's open major incident: no more than the
    status page says."""

    services = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    status = serializers.CharField(read_only=True)
    severity = serializers.IntegerField(read_only=True)

    class Meta:
        model = Incident
        fields = ["reference", "severity", "status", "is_major", "services", "created_at"]
        read_only_fields = fields


class JoinSerializer(serializers.Serializer):
    impact = serializers.CharField(max_length=5000, help_text="How your organisation is "
                                   "affected, e.g. '1,200 switch requests rejected'.")


class AffectedOrganisationSerializer(serializers.ModelSerializer):
    incident = serializers.SlugRelatedField(slug_field="reference", read_only=True)
    organisation = serializers.SlugRelatedField(slug_field="short_code", read_only=True)
    how = serializers.CharField(read_only=True)

    class Meta:
        model = AffectedOrganisation
        fields = ["incident", "organisation", "how", "impact", "recorded_at"]
        read_only_fields = fields
