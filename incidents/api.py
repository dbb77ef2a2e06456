"""REST API for incidents (/api/v1/incidents/): thin views over incidents.services."""

import django_filters
from django.db.models import Q
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from accounts import policy
from kernel.api_pagination import CursorPagination
from kernel.idempotency import idempotent

from . import security, services, sla_service
from .api_calls import call as _call
from .api_multiparty import MultipartyActions
from .models import Incident, IncidentComment, Status
from .serializers import (
    AssignSerializer,
    CommentSerializer,
    IncidentCreateSerializer,
    IncidentDetailSerializer,
    IncidentSerializer,
    IncidentUpdateSerializer,
    SecurityDecisionSerializer,
    SeveritySerializer,
    SlaSerializer,
    TransitionSerializer,
)


class IncidentFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=Status.choices)
    severity = django_filters.MultipleChoiceFilter(choices=[(n, str(n)) for n in range(1, 5)])
    service = django_filters.CharFilter(method="filter_service", help_text="Service code.")
    breached = django_filters.BooleanFilter(method="filter_breached")
    is_major = django_filters.BooleanFilter()
    open = django_filters.BooleanFilter(method="filter_open")

    class Meta:
        model = Incident
        fields = ["status", "severity", "service", "breached", "is_major", "open"]

    def filter_service(self, queryset, name, value):
        return queryset.filter(services__code=value).distinct()

    def filter_breached(self, queryset, name, value):
        breached = Q(response_breached=True) | Q(resolution_breached=True)
        return queryset.filter(breached) if value else queryset.exclude(breached)

    def filter_open(self, queryset, name, value):
        return queryset.open() if value else queryset.exclude(pk__in=Incident.objects.open())


TRANSITION_EXAMPLES = [
    OpenApiExample("Respond", value={"to": "in_progress", "reason": "Investigating"}),
    OpenApiExample("Wait on participant",
                   value={"to": "pending", "pending_reason": "awaiting_participant",
                          "reason": "Please send the MPRNs affected"}),
    OpenApiExample("Resolve", value={"to": "resolved", "resolution_code": "fixed",
                                     "resolution_notes": "Adapter restarted"}),
    OpenApiExample("Confirm", value={"to": "closed"}),
    OpenApiExample("Reopen", value={"to": "in_progress", "reason": "Still failing"}),
]


@extend_schema(tags=["Incidents"])
class IncidentViewSet(MultipartyActions, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                      viewsets.GenericViewSet):
    """Incidents: participants see their organisation's, providers those assigned to them,
    the desk all. Another party's incident is 404."""

    lookup_field = "reference"
    filterset_class = IncidentFilter
    serializer_class = IncidentSerializer
    # Keyset pages, newest first (inc_created_idx; a participant's: inc_org_created_idx).
    pagination_class = CursorPagination

    def get_queryset(self):
        return (Incident.objects.visible_to(self.request.user)
                .select_related("organisation", "raised_by", "assigned_group", "duplicate_of",
                                "master")
                .prefetch_related("services").order_by("-created_at"))

    def get_serializer_class(self):
        if self.action == "retrieve":
            return IncidentDetailSerializer
        return IncidentSerializer

    def _reply(self, incident, code=status.HTTP_200_OK):
        incident = self.get_queryset().prefetch_related("tasks__resolver_group").get(pk=incident.pk)
        return Response(IncidentDetailSerializer(incident, context={"request": self.request}).data,
                        status=code)

    @extend_schema(request=IncidentCreateSerializer, responses={201: IncidentDetailSerializer},
                   examples=[OpenApiExample("Raise", value={
                       "title": "Registration responses delayed", "severity": 2,
                       "description": "No responses from UK Link since 09:40.",
                       "services": ["uk-link"]})])
    @idempotent
    def create(self, request):
        """Raise an incident. The severity is the caller's proposal; the desk confirms it."""
        if not policy.may_raise_incident(request.user):
            raise PermissionDenied("You may not raise incidents.")
        data = IncidentCreateSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        v = data.validated_data
        incident = _call(
            services.raise_incident, organisation=v.get("organisation") or request.user.organisation,
            raised_by=request.user, title=v["title"], description=v["description"],
            services=v["services"], severity=v["severity"], proposed_severity=v["severity"],
            channel=v.get("channel", "api"), kind=v["kind"])
        # The new incident has no tasks (raising opens none) or history to join: serialise it
        # as it is, then drop it.
        incident.know_new_relations(no_tasks=True)
        return Response(IncidentDetailSerializer(incident, context={"request": self.request}).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(request=IncidentUpdateSerializer, responses=IncidentDetailSerializer)
    def partial_update(self, request, reference=None):
        """Edit the title, description or services (the desk; the raiser while New)."""
        incident = self.get_object()
        if not policy.may_edit_incident_details(request.user, incident):
            raise PermissionDenied("You may not edit this incident.")
        data = IncidentUpdateSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        v = data.validated_data
        _call(services.update_details, incident=incident, by=request.user, **v)
        return self._reply(incident)

    @extend_schema(request=TransitionSerializer, responses=IncidentDetailSerializer,
                   examples=TRANSITION_EXAMPLES)
    @action(detail=True, methods=["post"])
    def transitions(self, request, reference=None):
        """Move the incident through its lifecycle; an invalid move is 409 with the reason."""
        incident = self.get_object()
        data = TransitionSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        incident = _call(services.transition_incident, incident=incident, by=request.user,
                         **data.validated_data)
        return self._reply(incident)

    @extend_schema(request=SeveritySerializer, responses=IncidentDetailSerializer)
    @action(detail=True, methods=["post"])
    def severity(self, request, reference=None):
        """Set the severity with a reason (desk); the SLA is recomputed on the new target."""
        incident = self.get_object()
        data = SeveritySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        incident = _call(services.change_severity, incident=incident, by=request.user,
                         to=data.validated_data["severity"], reason=data.validated_data["reason"])
        return self._reply(incident)

    @extend_schema(request=SecurityDecisionSerializer, responses=IncidentDetailSerializer)
    @action(detail=True, methods=["post"], url_path="classify-security")
    def classify_security(self, request, reference=None):
        """Make the incident an information security incident (desk), with the reason."""
        return self._security_decision(request, security.classify_as_security_incident)

    @extend_schema(request=SecurityDecisionSerializer, responses=IncidentDetailSerializer)
    @action(detail=True, methods=["post"], url_path="release-security")
    def release_security(self, request, reference=None):
        """Release a security incident to public status and bulletins (desk)."""
        return self._security_decision(request, security.release_security_incident)

    def _security_decision(self, request, decide):
        incident = self.get_object()
        data = SecurityDecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        _call(decide, incident=incident, by=request.user, reason=data.validated_data["reason"])
        return self._reply(incident)

    @extend_schema(request=AssignSerializer, responses=IncidentDetailSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request, reference=None):
        """Hand the incident to a resolver group (desk): its open tasks end, the group gets one
        with its OLA clock (tasks beside others: POST incidents/{reference}/tasks/)."""
        incident = self.get_object()
        data = AssignSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        _call(services.assign_incident, incident=incident, by=request.user,
              resolver_group=data.validated_data["resolver_group"],
              reason=data.validated_data["reason"])
        return self._reply(incident)

    @extend_schema(methods=["get"], responses=CommentSerializer(many=True))
    @extend_schema(methods=["post"], request=CommentSerializer,
                   responses={201: CommentSerializer})
    # All of them, as a plain list: comments are neither paginated nor filtered.
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    @idempotent
    def comments(self, request, reference=None):
        """Read the comments you may see, or add one (`public: false` is a desk work note)."""
        incident = self.get_object()
        if request.method == "GET":
            comments = IncidentComment.objects.visible_to(request.user).filter(
                incident=incident).select_related("author")
            return Response(CommentSerializer(comments, many=True).data)
        data = CommentSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        comment = _call(services.add_comment, incident=incident, author=request.user,
                        body=data.validated_data["body"],
                        public=data.validated_data.get("is_public", True), via="api")
        return Response(CommentSerializer(comment).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=SlaSerializer)
    @action(detail=True, methods=["get"])
    def sla(self, request, reference=None):
        """The SLA figures rebuilt from the incident's history, with an explanation."""
        incident = self.get_object()
        return Response(sla_service.figures_for(incident).as_dict())
