"""REST interface for Market Participants' own outages: declare, revise, begin, end, cancel.

Thin views over `changes.outages`; domain errors are translated as for change notifications
(`api.domain_errors`). An outage the caller may not see is 404; one it sees but may not
change is 403.
"""

from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts import policy
from kernel.idempotency import idempotent

from . import outages
from .api import BodyLimitMixin, _errors, domain_errors
from .models import ParticipantOutage
from .serializers import (
    ActionSerializer,
    ParticipantOutageSerializer,
    ParticipantOutageWriteSerializer,
)

DECLARE_EXAMPLE = OpenApiExample(
    "An unplanned outage of a supplier's switching gateway", request_only=True, value={
        "kind": "unplanned", "title": "Switching gateway down",
        "starts_at": "2026-12-01T09:40:00Z", "ends_at": "2026-12-01T13:00:00Z",
        "services": ["css-registration"], "flows_affected": "switch requests, objections",
        "audience": "providers", "contact_name": "Operations bridge",
        "contact_phone": "0161 496 0000"})


def _action_schema(summary):
    return extend_schema(summary=summary, request=ActionSerializer,
                         responses={200: ParticipantOutageSerializer,
                                    **_errors(400, 403, 404, 409)})


@extend_schema_view(
    list=extend_schema(summary="List the participants' outages you may see (your own first "
                               "in the portal; here newest first)"),
    retrieve=extend_schema(summary="Retrieve one participant outage"),
    create=extend_schema(summary="Declare an outage of your organisation's own systems",
                         request=ParticipantOutageWriteSerializer,
                         responses={201: ParticipantOutageSerializer,
                                    **_errors(400, 403, 409, 413)},
                         examples=[DECLARE_EXAMPLE]),
    partial_update=extend_schema(summary="Revise a scheduled or ongoing outage",
                                 request=ParticipantOutageWriteSerializer,
                                 responses={200: ParticipantOutageSerializer,
                                            **_errors(400, 403, 404, 409)}),
)
@extend_schema(tags=["Participants' outages"])
class ParticipantOutageViewSet(BodyLimitMixin, mixins.ListModelMixin,
                               mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Outages of Market Participants' own systems (s.12.6)."""

    serializer_class = ParticipantOutageSerializer
    lookup_field = "reference"
    lookup_value_regex = "OUT-[0-9]+"
    http_method_names = ["get", "post", "patch", "head", "options"]
    filterset_fields = ["kind", "status"]

    def get_queryset(self):
        return (ParticipantOutage.objects.visible_to(self.request.user)
                .select_related("organisation")
                .prefetch_related("services", "warnings", "transitions")
                .order_by("-starts_at", "-pk"))

    def _respond(self, outage, code=status.HTTP_200_OK):
        fresh = self.get_queryset().get(pk=outage.pk)
        return Response(self.get_serializer(fresh).data, status=code)

    @idempotent
    def create(self, request):
        user = request.user
        if not policy.is_participant(user):
            raise exceptions.PermissionDenied(
                "Only a Market Participant's account declares its outages over the API.")
        write = ParticipantOutageWriteSerializer(data=request.data)
        write.is_valid(raise_exception=True)
        with domain_errors():
            outage = outages.declare_outage(organisation=user.organisation, by=user,
                                            **write.validated_data)
        return self._respond(outage, status.HTTP_201_CREATED)

    def partial_update(self, request, reference=None):
        outage = self.get_object()
        write = ParticipantOutageWriteSerializer(outage, data=request.data, partial=True)
        write.is_valid(raise_exception=True)
        data = dict(write.validated_data)
        if "kind" in data and data.pop("kind") != outage.kind:
            raise exceptions.ValidationError({"kind": ["The kind cannot change; cancel and "
                                                       "declare again."]})
        services = data.pop("services", None)
        with domain_errors():
            outage = outages.revise_outage(outage=outage, by=request.user, changes=data,
                                           services=services)
        return self._respond(outage)

    def _act(self, request, name):
        outage = self.get_object()
        body = ActionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        with domain_errors():
            outage = outages.perform_outage_action(outage=outage, action=name, by=request.user,
                                                   reason=body.validated_data.get("reason", ""))
        return self._respond(outage)

    @_action_schema("Record that a planned outage has begun")
    @action(detail=True, methods=["post"])
    @idempotent
    def begin(self, request, reference=None):
        return self._act(request, "begin")

    @_action_schema("Record that the outage has ended (your systems are back)")
    @action(detail=True, methods=["post"])
    @idempotent
    def end(self, request, reference=None):
        return self._act(request, "end")

    @_action_schema("Cancel a planned outage before it begins (give a reason)")
    @action(detail=True, methods=["post"])
    @idempotent
    def cancel(self, request, reference=None):
        return self._act(request, "cancel")
