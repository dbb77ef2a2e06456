from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets

from . import services
from .models import NotificationPreference


class NotificationPreferenceSerializer(serializers.ModelSerializer):
    topic = serializers.RegexField(
        r"^[a-z_]+(\.[a-z_]+)*$", max_length=60,
        error_messages={"invalid": "Use a dotted topic name such as 'incident.resolved'."},
    )

    class Meta:
        model = NotificationPreference
        fields = ["id", "topic", "email"]

    def validate_topic(self, topic):
        """Refuse renaming a preference onto a topic the caller already has (one per topic)."""
        if self.instance is not None and NotificationPreference.objects.filter(
                user=self.instance.user_id, topic=topic).exclude(pk=self.instance.pk).exists():
            raise serializers.ValidationError(
                "You already have a preference for this topic; change that one instead.")
        return topic

    def create(self, validated_data):
        return services.set_preference(user=self.context["request"].user,
                                       topic=validated_data["topic"],
                                       email=validated_data.get("email", True))


@extend_schema(tags=["Notifications"])
class NotificationPreferenceViewSet(mixins.ListModelMixin, mixins.CreateModelMixin,
                                    mixins.UpdateModelMixin, viewsets.GenericViewSet):
    """The caller's own email preferences per topic (default: emailed about everything).

    POST with an existing topic updates it, so a client can simply set what it wants.
    """

    serializer_class = NotificationPreferenceSerializer
    queryset = NotificationPreference.objects.none()  # for the schema; rows come from get_queryset

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return NotificationPreference.objects.filter(user=self.request.user).order_by("topic")
