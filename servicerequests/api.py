"""REST API for service requests (/api/v1/service-requests/) and the request catalogue
(/api/v1/request-items/): thin views over servicerequests.services."""

import django_filters
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.response import Response

from accounts import policy
from kernel.api_errors import Conflict
from kernel.idempotency import idempotent

from . import clocks, services
from .errors import InvalidAnswers, InvalidTransition, NotAllowed, RequestError
from .models import FulfilmentTask, RequestItem, ServiceRequest, Status
from .serializers import (
    RequestDecisionSerializer,
    RequestItemSerializer,
    RequestSlaSerializer,
    RequestTaskCreateSerializer,
    RequestTaskMoveSerializer,
    RequestTransitionSerializer,
    ServiceRequestCreateSerializer,
    ServiceRequestDetailSerializer,
    ServiceRequestSerializer,
)


def _call(fn, **kwargs):
    """Run a service function, mapping domain errors to the API's error shape."""
    try:
        return fn(**kwargs)
    except InvalidAnswers as exc:
        raise ValidationError({"answers": exc.errors}) from exc
    except NotAllowed as exc:
        raise PermissionDenied(str(exc)) from exc
    except (InvalidTransition, RequestError) as exc:
        raise Conflict(str(exc)) from exc


@extend_schema(tags=["Service requests"])
class RequestItemViewSet(viewsets.ReadOnlyModelViewSet):
    """The catalogue items you may request, with the fields each needs (as data)."""

    lookup_field = "code"
    serializer_class = RequestItemSerializer

    def get_queryset(self):
        return RequestItem.objects.requestable_by(self.request.user).prefetch_related("fields")


class ServiceRequestFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=Status.choices)
    item = django_filters.CharFilter(field_name="item__code", help_text="Catalogue item code.")
    open = django_filters.BooleanFilter(method="filter_open")

    class Meta:
        model = ServiceRequest
        fields = ["status", "item", "open"]

    def filter_open(self, queryset, name, value):
        return queryset.open() if value else queryset.exclude(pk__in=queryset.open())


CREATE_EXAMPLES = [
    OpenApiExample("Information request", value={
        "item": "information-request",
        "answers": {"subject": "Switch volumes",
                    "question": "How many switches failed on 3 March and why?"}}),
    OpenApiExample("New portal user", value={
        "item": "new-portal-user",
        "answers": {"first_name": "Nia", "last_name": "Jones", "email": "nia@example.org",
                    "justification": "Joins our switching team."}}),
]


@extend_schema(tags=["Service requests"])
class ServiceRequestViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                            viewsets.GenericViewSet):
    """Service requests: participants see their organisation's, providers also those with a
    task handed to them, the desk all. Another party's request is 404."""

    lookup_field = "reference"
    filterset_class = ServiceRequestFilter

    def get_queryset(self):
        return (ServiceRequest.objects.visible_to(self.request.user)
                .select_related("item", "organisation", "requester", "raised_by")
                .order_by("-created_at"))

    def get_serializer_class(self):
        if self.action == "list":
            return ServiceRequestSerializer
        return ServiceRequestDetailSerializer

    def _reply(self, sr, code=status.HTTP_200_OK):
        sr = self.get_queryset().select_related("approval").prefetch_related(
            "tasks__assigned_group").get(pk=sr.pk)
        return Response(ServiceRequestDetailSerializer(sr).data, status=code)

    @extend_schema(request=ServiceRequestCreateSerializer,
                   responses={201: ServiceRequestDetailSerializer}, examples=CREATE_EXAMPLES)
    @idempotent
    def create(self, request):
        """Raise a request; `answers` are checked against the item's fields (400 per field)."""
        if not policy.may_raise_service_request(request.user):
            raise PermissionDenied("You may not raise service requests.")
        if "requester" in request.data and not policy.may_raise_request_on_behalf(request.user):
            # Refused before the username is looked up, so nobody can probe for users.
            raise PermissionDenied("Only the Service Desk raises requests on someone's behalf.")
        data = ServiceRequestCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        sr = _call(services.raise_request, item=v["item"], raised_by=request.user,
                   answers=v["answers"], requester=v.get("requester"), channel=v["channel"])
        return self._reply(sr, status.HTTP_201_CREATED)

    @extend_schema(request=RequestTransitionSerializer, responses=ServiceRequestDetailSerializer,
                   examples=[OpenApiExample("Start", value={"to": "in_fulfilment"}),
                             OpenApiExample("Fulfil", value={"to": "fulfilled",
                                                             "reason": "Account created"}),
                             OpenApiExample("Cancel", value={"to": "cancelled",
                                                             "reason": "Raised twice"})])
    @action(detail=True, methods=["post"])
    def transitions(self, request, reference=None):
        """Move the request through its lifecycle; an invalid move is 409 with the reason."""
        sr = self.get_object()
        data = RequestTransitionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        _call(services.transition, service_request=sr, by=request.user, **data.validated_data)
        return self._reply(sr)

    @extend_schema(request=RequestDecisionSerializer, responses=ServiceRequestDetailSerializer,
                   examples=[OpenApiExample("Reject", value={
                       "decision": "reject", "comment": "Not a member of our team"})])
    @action(detail=True, methods=["post"])
    def approval(self, request, reference=None):
        """Approve or reject (only the item's named approver role; 403 for anyone else)."""
        sr = self.get_object()
        data = RequestDecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        _call(services.decide, service_request=sr, by=request.user,
              approve=data.validated_data["decision"] == "approve",
              comment=data.validated_data["comment"])
        return self._reply(sr)

    @extend_schema(request=RequestTaskCreateSerializer, responses={201: ServiceRequestDetailSerializer})
    @action(detail=True, methods=["post"])
    def tasks(self, request, reference=None):
        """Hand a fulfilment task to the desk, Operations or a CDS provider (desk only)."""
        sr = self.get_object()
        data = RequestTaskCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        _call(services.add_task, service_request=sr, by=request.user, **data.validated_data)
        return self._reply(sr, status.HTTP_201_CREATED)

    @extend_schema(request=RequestTaskMoveSerializer, responses=ServiceRequestDetailSerializer)
    @action(detail=True, methods=["post"], url_path=r"tasks/(?P<task_id>[0-9]+)/transitions")
    def task_transitions(self, request, reference=None, task_id=None):
        """Start, complete (with notes) or cancel a task handed to your organisation."""
        sr = self.get_object()
        task = FulfilmentTask.objects.filter(request=sr, pk=task_id).first()
        if task is None:
            raise NotFound()
        data = RequestTaskMoveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        _call(services.move_task, task=task, by=request.user, **data.validated_data)
        return self._reply(sr)

    @extend_schema(responses=RequestSlaSerializer)
    @action(detail=True, methods=["get"])
    def sla(self, request, reference=None):
        """The response and fulfilment clocks rebuilt from the request's history."""
        return Response(clocks.request_figures(self.get_object()).as_dict())
