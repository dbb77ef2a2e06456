"""Serializers for the kernel's shared records, as every app's API shows them."""

from rest_framework import serializers


class TransitionRecordSerializer(serializers.Serializer):
    """One row of a lifecycle's history (kernel.transitions.TransitionRecord)."""

    from_status = serializers.CharField(help_text="Empty on creation.")
    to_status = serializers.CharField()
    by = serializers.SerializerMethodField(help_text="Who moved it; null when the system did.")
    at = serializers.DateTimeField()
    reason = serializers.CharField()

    def get_by(self, obj) -> str | None:
        return obj.by.display_name if obj.by_id else None
