"""REST API for the multi-party parts of incidents: provider tasks, master incidents,
joining an open major incident, communications. Thin views over the services."""

import django_filters
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response

from accounts import policy
from kernel.idempotency import idempotent
from services.models import Service

from . import communications, masters, provider_tasks
from .api_calls import call
from .models import Communication, Incident, ProviderTask, TaskStatus
from .serializers_multiparty import (
    AddTaskSerializer,
    AffectedOrganisationSerializer,
    ChildSerializer,
    CommunicationSerializer,
    HandOverSerializer,
    JoinableIncidentSerializer,
    JoinSerializer,
    LinkChildrenSerializer,
    LinkResultSerializer,
    LinkToMasterSerializer,
    MasterLinkSerializer,
    ProviderTaskSerializer,
    TaskNoteSerializer,
    TaskOutcomeSerializer,
    TaskReasonSerializer,
)


def _require_desk(user):
    if not policy.may_manage_master_incidents(user):
        raise PermissionDenied("Only the Service Desk or Switching Operations may do this.")


class MultipartyActions:
    """Actions on /api/v1/incidents/{reference}/ (mixed into the incident viewset)."""

    @extend_schema(tags=["Provider tasks"], request=AddTaskSerializer,
                   responses={201: ProviderTaskSerializer},
                   examples=[OpenApiExample("Parallel task", value={
                       "resolver_group": "dcc", "reason": "Secured notifications not arriving"})])
    @action(detail=True, methods=["post"], url_path="tasks")
    @idempotent
    def add_task(self, request, reference=None):
        """Open a provider task for a resolver group beside the open ones (desk)."""
        incident = self.get_object()
        if not policy.may_work_incident(request.user):
            raise PermissionDenied("Only the desk opens provider tasks.")
        data = AddTaskSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        task = call(provider_tasks.add_task, incident=incident, by=request.user,
                    **data.validated_data)
        return Response(ProviderTaskSerializer(task).data, status=status.HTTP_201_CREATED)

    @extend_schema(tags=["Master incidents"], methods=["get"],
                   responses=ChildSerializer(many=True))
    @extend_schema(tags=["Master incidents"], methods=["post"], request=LinkChildrenSerializer,
                   responses=LinkResultSerializer)
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    @idempotent
    def children(self, request, reference=None):
        """The incidents gathered under this master (those you may see), or gather more
        under it (desk): each one linked or refused with the reason."""
        master = self.get_object()
        if request.method == "GET":
            children = Incident.objects.visible_to(request.user).filter(master=master)
            return Response(ChildSerializer(children.select_related("organisation"),
                                            many=True).data)
        _require_desk(request.user)
        data = LinkChildrenSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        linked, refused = call(masters.link_children, master=master, by=request.user,
                               children=data.validated_data["children"],
                               reason=data.validated_data["reason"])
        return Response({"linked": [link.child.reference for link in linked],
                         "refused": refused})

    @extend_schema(tags=["Master incidents"], request=LinkToMasterSerializer,
                   responses={201: MasterLinkSerializer})
    @action(detail=True, methods=["post"], url_path="master")
    @idempotent
    def link_to_master(self, request, reference=None):
        """Gather this incident under a master (desk; from the child's side)."""
        child = self.get_object()
        _require_desk(request.user)
        data = LinkToMasterSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        link = call(masters.link_child, child=child, by=request.user, **data.validated_data)
        return Response(MasterLinkSerializer(link).data, status=status.HTTP_201_CREATED)

    @extend_schema(tags=["Master incidents"], request=TaskReasonSerializer,
                   responses={201: MasterLinkSerializer})
    @action(detail=True, methods=["post"])
    @idempotent
    def unlink(self, request, reference=None):
        """Work this incident on its own again (desk); the unlinking is recorded."""
        child = self.get_object()
        _require_desk(request.user)
        data = TaskReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        link = call(masters.unlink_child, child=child, by=request.user,
                    reason=data.validated_data["reason"])
        return Response(MasterLinkSerializer(link).data, status=status.HTTP_201_CREATED)

    @extend_schema(tags=["Communications"], methods=["get"],
                   responses=CommunicationSerializer(many=True))
    @extend_schema(tags=["Communications"], methods=["post"], request=CommunicationSerializer,
                   responses={201: CommunicationSerializer},
                   examples=[OpenApiExample("Update", value={
                       "kind": "update", "body": "Failover under way; next update 10:30."}),
                             OpenApiExample("Template draft", value={"kind": "workaround"},
                                            description="No body: the kind's template draft "
                                                        "is sent.")])
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    @idempotent
    def communications(self, request, reference=None):
        """The communications on this incident (a child: also its master's), or send one to
        everyone it concerns (desk); without a body, the template draft for its kind."""
        incident = self.get_object()
        if request.method == "GET":
            rows = Communication.objects.visible_to(request.user).filter(
                incident__in=[incident.pk, incident.master_id]).select_related("incident", "by")
            return Response(CommunicationSerializer(rows, many=True).data)
        if not policy.may_communicate_incident(request.user):
            raise PermissionDenied("Only the desk sends communications.")
        data = CommunicationSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        kind = data.validated_data["kind"]
        body = (data.validated_data.get("body") or "").strip() or communications.draft(
            incident, kind)
        communication = call(communications.publish, incident=incident, by=request.user,
                             kind=kind, body=body)
        return Response(CommunicationSerializer(communication).data,
                        status=status.HTTP_201_CREATED)


class ProviderTaskFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=TaskStatus.choices)
    open = django_filters.BooleanFilter(field_name="ended_at", lookup_expr="isnull",
                                        help_text="true: tasks still with their group.")
    incident = django_filters.CharFilter(field_name="incident__reference",
                                         help_text="Incident reference.")

    class Meta:
        model = ProviderTask
        fields = ["status", "open", "incident"]


@extend_schema(tags=["Provider tasks"])
class ProviderTaskViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                          viewsets.GenericViewSet):
    """Provider tasks: a provider sees and works its own group's, the desk all; another
    group's task is 404. Soonest OLA due first."""

    serializer_class = ProviderTaskSerializer
    filterset_class = ProviderTaskFilter

    def get_queryset(self):
        return (ProviderTask.objects.visible_to(self.request.user)
                .select_related("incident", "resolver_group", "ola_target__calendar")
                .prefetch_related("notes__author").order_by("ended_at", "ola_due_at", "pk"))

    def _reply(self, task, code=status.HTTP_200_OK):
        return Response(ProviderTaskSerializer(self.get_queryset().get(pk=task.pk)).data,
                        status=code)

    @extend_schema(request=None, responses=ProviderTaskSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def start(self, request, pk=None):
        """Say your group is working on the task (open -> in_progress)."""
        return self._reply(call(provider_tasks.start_task, task=self.get_object(),
                                by=request.user))

    @extend_schema(request=TaskOutcomeSerializer, responses=ProviderTaskSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def complete(self, request, pk=None):
        """Your group has done its part; its OLA clock stops."""
        task = self.get_object()
        data = TaskOutcomeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._reply(call(provider_tasks.complete_task, task=task, by=request.user,
                                outcome=data.validated_data["outcome"]))

    @extend_schema(request=TaskReasonSerializer, responses=ProviderTaskSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def reject(self, request, pk=None):
        """Send the task back to the desk with a reason."""
        task = self.get_object()
        data = TaskReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._reply(call(provider_tasks.reject_task, task=task, by=request.user,
                                reason=data.validated_data["reason"]))

    @extend_schema(request=HandOverSerializer, responses={201: ProviderTaskSerializer})
    @action(detail=True, methods=["post"], url_path="hand-over")
    @idempotent
    def hand_over(self, request, pk=None):
        """Hand the task to another group; answers with the new task (the caller may no
        longer see it if it is another provider's)."""
        task = self.get_object()
        data = HandOverSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        new = call(provider_tasks.hand_over_task, task=task, by=request.user,
                   **data.validated_data)
        return Response(ProviderTaskSerializer(new).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=TaskNoteSerializer, responses={201: TaskNoteSerializer})
    @action(detail=True, methods=["post"])
    @idempotent
    def notes(self, request, pk=None):
        """Add a note the desk and your group read (participants never do)."""
        task = self.get_object()
        data = TaskNoteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        note = call(provider_tasks.add_task_note, task=task, by=request.user,
                    body=data.validated_data["body"])
        return Response(TaskNoteSerializer(note).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["Master incidents"])
class JoinableIncidentViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Open major and master incidents on the services you name, which you may join with
    your organisation's impact instead of raising a duplicate (Market Participants)."""

    serializer_class = JoinableIncidentSerializer
    lookup_field = "reference"
    filter_backends = []

    def get_queryset(self):
        if not policy.may_join_incident(self.request.user):
            return Incident.objects.none()
        codes = [c for c in self.request.query_params.get("services", "").split(",") if c]
        incidents = masters.joinable_incidents(
            policy_services(self.request.user, codes)).prefetch_related("services")
        return incidents

    @extend_schema(parameters=[OpenApiParameter(
        "services", str, OpenApiParameter.QUERY, description="Comma-separated service codes.")])
    def list(self, request, *args, **kwargs):
        """Incidents you may join on these services (empty without `services`)."""
        return super().list(request, *args, **kwargs)

    @extend_schema(request=JoinSerializer, responses={201: AffectedOrganisationSerializer})
    @action(detail=True, methods=["post"])
    @idempotent
    def join(self, request, reference=None):
        """Add your organisation's impact to the incident; its communications reach you."""
        if not policy.may_join_incident(request.user):
            raise PermissionDenied("Only Market Participants join incidents.")
        incident = (masters.joinable_incidents(policy_services(request.user, None))
                    .filter(reference=reference).first())
        if incident is None:
            raise NotFound("No open major or master incident with that reference.")
        data = JoinSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        joined = call(masters.join_incident, incident=incident, by=request.user,
                      impact=data.validated_data["impact"])
        return Response(AffectedOrganisationSerializer(joined).data,
                        status=status.HTTP_201_CREATED)


def policy_services(user, codes):
    """Return the catalogue services `user` may read, limited to `codes` (None: all)."""
    services = Service.objects.visible_to(user)
    return services if codes is None else services.filter(code__in=codes)

