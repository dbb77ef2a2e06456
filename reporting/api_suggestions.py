"""Service providers' improvement suggestions (s.9.8) over the API, and their progress."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.response import Response

from accounts import policy
from kernel.api_errors import domain_errors
from kernel.api_records import TransitionRecordSerializer
from kernel.idempotency import idempotent
from services.models import Service

from . import services
from .errors import NotAllowed
from .models import ImprovementOpportunity


class SuggestionSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True, help_text="CSI-000123")
    service = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    suggested_by = serializers.SlugRelatedField(slug_field="short_code", read_only=True,
                                                allow_null=True)
    transitions = TransitionRecordSerializer(many=True, read_only=True)

    class Meta:
        model = ImprovementOpportunity
        fields = ["id", "reference", "title", "description", "benefit", "service", "status",
                  "suggested_by", "transitions", "created_at", "updated_at"]


class SuggestionWriteSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=10000)
    service = serializers.SlugField(max_length=40, required=False, allow_null=True,
                                    help_text="Service code, e.g. uk-link.")
    benefit = serializers.CharField(max_length=5000, required=False, allow_blank=True)

    def validate_service(self, code):
        if code is None:
            return None
        service = Service.objects.visible_to(self.context["request"].user).filter(
            code=code).first()
        if service is None:
            raise serializers.ValidationError("No such service.")
        return service


@extend_schema_view(
    list=extend_schema(summary="List the improvements your organisation suggested"),
    retrieve=extend_schema(summary="Retrieve an improvement your organisation suggested"),
    create=extend_schema(summary="Suggest a service improvement for the CSI register",
                         request=SuggestionWriteSerializer, responses={201: SuggestionSerializer}),
)
@extend_schema(tags=["Continual service improvement"])
class SuggestionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                        mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Your organisation's improvement suggestions and where Switching Operations put them."""

    serializer_class = SuggestionSerializer
    filter_backends = []

    def get_queryset(self):
        return (ImprovementOpportunity.objects.visible_to(self.request.user)
                .filter(source=ImprovementOpportunity.Source.PROVIDER)
                .select_related("service", "suggested_by")
                .prefetch_related("transitions__by").order_by("-created_at", "-pk"))

    @idempotent
    def create(self, request):
        if not policy.may_suggest_improvement(request.user):
            raise exceptions.PermissionDenied("Only service providers suggest improvements here.")
        body = SuggestionWriteSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        with domain_errors(NotAllowed):
            entry = services.suggest_improvement(by=request.user, **body.validated_data)
        fresh = self.get_queryset().get(pk=entry.pk)
        return Response(SuggestionSerializer(fresh).data, status=status.HTTP_201_CREATED)
