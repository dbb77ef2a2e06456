"""REST interface for Service Providers: run a change notification's whole life over the API.

Views are thin: they parse input, call `changes.services`, and translate its
domain errors: InvalidTransition -> 409 with the reason, Django
ValidationError -> 400 with fields, PermissionDenied -> 403. Another
provider's notification is not in the caller's queryset, so it is 404.
"""

from contextlib import contextmanager

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts import policy
from kernel.api_errors import Conflict
from kernel.api_schema import ApiErrorSerializer
from kernel.attachments import serve
from kernel.idempotency import idempotent
from kernel.input_guard import GuardedMultiPartParser

from . import selectors, services
from .errors import InvalidTransition
from .models import ChangeAttachment, ChangeImpact, ChangeNotification, ConsultationRequest
from .serializers import (
    ActionSerializer,
    AttachmentSerializer,
    AttachmentUploadSerializer,
    ChangeNotificationSerializer,
    ChangeNotificationWriteSerializer,
    ConsultationResponseSerializer,
    ConsultationSerializer,
    FailureSerializer,
    ScheduleEntrySerializer,
)


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "payload_too_large"


@contextmanager
def domain_errors():
    """Translate the services' domain errors into API errors."""
    try:
        yield
    except InvalidTransition as exc:
        raise Conflict(str(exc)) from exc
    except DjangoValidationError as exc:
        detail = exc.message_dict if hasattr(exc, "error_dict") else {
            "non_field_errors": exc.messages}
        raise exceptions.ValidationError(detail) from exc
    except PermissionDenied as exc:
        raise exceptions.PermissionDenied(str(exc) or None) from exc


class BodyLimitMixin:
    """Refuse bodies over DATA_UPLOAD_MAX_MEMORY_SIZE (DRF's JSON parser reads the raw stream
    and would otherwise not apply Django's limit)."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            raise exceptions.ParseError("Invalid Content-Length header.") from None
        limit = self.body_limit()
        if limit is not None and length > limit:
            raise PayloadTooLarge(f"The request body is {length} bytes; the limit is {limit}.")

    def body_limit(self):
        if getattr(self, "action", None) == "attach":  # file uploads: the attachment limit
            return ChangeAttachment.policy.max_bytes + 64 * 1024
        return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


CREATE_EXAMPLE = OpenApiExample(
    "A planned CSS outage", request_only=True, value={
        "title": "CSS database patching",
        "change_type": "normal",
        "description": "Apply the quarterly database patches to the CSS registration cluster.",
        "risk": "Low: rehearsed in pre-production; cluster fails over in under a minute.",
        "back_out_plan": "Fail back to the unpatched standby node.",
        "planned_start": "2026-12-06T00:00:00Z",
        "planned_end": "2026-12-06T04:00:00Z",
        "impacts": [{"service": "css-registration", "impact": "outage"},
                    {"service": "css-address", "impact": "degraded"}],
    })
CONFLICT_EXAMPLE = OpenApiExample(
    "Invalid transition", response_only=True, status_codes=["409"], value={"error": {
        "status": 409, "code": "conflict",
        "message": "CHG-000123 is draft; it cannot become in progress."}})
VALIDATION_EXAMPLE = OpenApiExample(
    "Field errors", response_only=True, status_codes=["400"], value={"error": {
        "status": 400, "code": "invalid", "message": "The request has invalid fields; see `fields`.",
        "fields": {"planned_end": ["The planned end must be after the planned start."]}}})


def _errors(*codes):
    return {code: ApiErrorSerializer for code in codes}


def _transition_schema(summary, request=ActionSerializer):
    return extend_schema(
        summary=summary, request=request,
        responses={200: ChangeNotificationSerializer, **_errors(400, 403, 404, 409)},
        examples=[CONFLICT_EXAMPLE],
    )


@extend_schema_view(
    list=extend_schema(summary="List your organisation's change notifications"),
    retrieve=extend_schema(summary="Retrieve one of your change notifications"),
    create=extend_schema(summary="Create a draft change notification",
                         request=ChangeNotificationWriteSerializer,
                         responses={201: ChangeNotificationSerializer,
                                    **_errors(400, 403, 409, 413)},
                         examples=[CREATE_EXAMPLE, VALIDATION_EXAMPLE]),
    partial_update=extend_schema(summary="Update a draft (only drafts can be edited)",
                                 request=ChangeNotificationWriteSerializer,
                                 responses={200: ChangeNotificationSerializer,
                                            **_errors(400, 403, 404, 409)},
                                 examples=[VALIDATION_EXAMPLE, CONFLICT_EXAMPLE]),
)
@extend_schema(tags=["Change notifications"])
class ChangeNotificationViewSet(BodyLimitMixin, mixins.ListModelMixin,
                                mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """A Service Provider's change notifications: draft, submit, start, complete, or fail them."""

    serializer_class = ChangeNotificationSerializer
    lookup_field = "reference"
    lookup_value_regex = "CHG-[0-9]+"
    http_method_names = ["get", "post", "patch", "head", "options"]
    filterset_fields = ["status", "change_type"]

    def get_queryset(self):
        return (ChangeNotification.objects.visible_to(self.request.user)
                .select_related("provider", "contact")
                .prefetch_related(Prefetch("impacts", ChangeImpact.objects.select_related("service")),
                                  "warnings__other_change", "transitions__by", "attachments")
                .order_by("-created_at", "-pk"))

    def _respond(self, change, code=status.HTTP_200_OK):
        fresh = self.get_queryset().get(pk=change.pk)
        return Response(ChangeNotificationSerializer(fresh).data, status=code)

    @idempotent
    def create(self, request):
        user = request.user
        if not policy.is_provider(user):
            raise exceptions.PermissionDenied(
                "Only a Service Provider's account creates change notifications over the API.")
        write = ChangeNotificationWriteSerializer(data=request.data, context={"request": request})
        write.is_valid(raise_exception=True)
        data = dict(write.validated_data)
        impacts = [(item["service"], item["impact"]) for item in data.pop("impacts")]
        with domain_errors():
            change = services.create_change_notification(
                provider=user.organisation, by=user, impacts=impacts, **data)
        return self._respond(change, status.HTTP_201_CREATED)

    def partial_update(self, request, reference=None):
        change = self.get_object()
        write = ChangeNotificationWriteSerializer(change, data=request.data, partial=True,
                                                  context={"request": request})
        write.is_valid(raise_exception=True)
        data = dict(write.validated_data)
        impacts = data.pop("impacts", None)
        if impacts is not None:
            impacts = [(item["service"], item["impact"]) for item in impacts]
        with domain_errors():
            change = services.update_draft(change_notification=change, by=request.user,
                                           changes=data, impacts=impacts)
        return self._respond(change)

    def _act(self, request, name, serializer_class=ActionSerializer):
        change = self.get_object()
        body = serializer_class(data=request.data)
        body.is_valid(raise_exception=True)
        outcome = body.validated_data.get("outcome")
        if outcome:
            name = {"failed": "fail", "backed_out": "back_out"}[outcome]
        with domain_errors():
            change = services.perform_action(change_notification=change, action=name,
                                             by=request.user,
                                             reason=body.validated_data.get("reason", ""))
        return self._respond(change)

    @_transition_schema("Submit a draft to Change Co-ordination")
    @action(detail=True, methods=["post"])
    @idempotent
    def submit(self, request, reference=None):
        return self._act(request, "submit")

    @_transition_schema("Withdraw a notification (before the work starts)")
    @action(detail=True, methods=["post"])
    @idempotent
    def withdraw(self, request, reference=None):
        return self._act(request, "withdraw")

    @_transition_schema("Record that the work has started (approved changes; emergencies any time)")
    @action(detail=True, methods=["post"])
    @idempotent
    def start(self, request, reference=None):
        return self._act(request, "start")

    @_transition_schema("Record that the change was implemented successfully")
    @action(detail=True, methods=["post"])
    @idempotent
    def complete(self, request, reference=None):
        return self._act(request, "complete")

    @_transition_schema("Report that the change failed or was backed out", FailureSerializer)
    @action(detail=True, methods=["post"], url_path="report-failure")
    @idempotent
    def report_failure(self, request, reference=None):
        return self._act(request, "fail", FailureSerializer)

    @extend_schema(summary="Attach a file (multipart/form-data, field `file`)",
                   request={"multipart/form-data": AttachmentUploadSerializer},
                   responses={201: AttachmentSerializer, **_errors(400, 403, 404, 413)})
    @action(detail=True, methods=["post"], url_path="attachments",
            parser_classes=[GuardedMultiPartParser])
    def attach(self, request, reference=None):
        change = self.get_object()
        body = AttachmentUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        with domain_errors():
            attachment = services.add_attachment(change_notification=change,
                                                 upload=body.validated_data["file"],
                                                 by=request.user)
        return Response(AttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Download an attachment", responses={
        (200, "application/octet-stream"): OpenApiTypes.BINARY, **_errors(404)})
    @action(detail=True, methods=["get"], url_path=r"attachments/(?P<attachment_id>[0-9]+)")
    def download(self, request, reference=None, attachment_id=None):
        change = self.get_object()
        return serve(get_object_or_404(change.attachments.all(), pk=attachment_id), request.user)


class ScheduleFilter(serializers.Serializer):
    start = serializers.DateTimeField(required=False, help_text="Changes ending after this.")
    end = serializers.DateTimeField(required=False, help_text="Changes starting before this.")
    service = serializers.CharField(required=False, max_length=40)
    provider = serializers.CharField(required=False, max_length=40)


@extend_schema(tags=["Forward Schedule of Change"], parameters=[ScheduleFilter])
class ScheduleViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The published Forward Schedule of Change: approved and in-progress changes."""

    serializer_class = ScheduleEntrySerializer
    filter_backends = []

    def get_queryset(self):
        if not policy.may_read_change_schedule(self.request.user):
            return ChangeNotification.objects.none()
        query = ScheduleFilter(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        args = query.validated_data
        return selectors.scheduled_changes(start=args.get("start"), end=args.get("end"),
                                           service=args.get("service"),
                                           provider=args.get("provider"))


@extend_schema(tags=["Change notifications"])
class ConsultationViewSet(BodyLimitMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                          viewsets.GenericViewSet):
    """Impact consultations addressed to your organisation about other providers' changes."""

    serializer_class = ConsultationSerializer
    filterset_fields = ["response"]

    def get_queryset(self):
        return (ConsultationRequest.objects.visible_to(self.request.user)
                .select_related("change_notification__provider")
                .prefetch_related("services", "change_notification__impacts__service"))

    @extend_schema(summary="Answer a consultation (no impact, or impact with a comment)",
                   request=ConsultationResponseSerializer, responses={200: ConsultationSerializer})
    @action(detail=True, methods=["post"])
    def respond(self, request, pk=None):
        consultation = self.get_object()
        body = ConsultationResponseSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        with domain_errors():
            consultation = services.respond_to_consultation(
                consultation=consultation, by=request.user, **body.validated_data)
        return Response(ConsultationSerializer(self.get_queryset().get(pk=consultation.pk)).data)
