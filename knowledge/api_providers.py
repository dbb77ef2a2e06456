"""The providers' API for problems and knowledge: their investigations and contributions.

A CDS provider's own problem tools feed the CSMS here (Option 3, s.7.44): list the
investigations handed to it, record the root cause, workaround and findings, make the
problem a known error, attach evidence and propose the fixing change notification; and
draft knowledge articles and known errors for the desk's review. Another provider's
investigation or draft is not in the caller's queryset, so it is 404. Views are thin:
they parse input and call `knowledge.investigations` or `knowledge.contributions`.
"""

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts import policy
from changes.models import ChangeNotification
from kernel.api_errors import domain_errors
from kernel.api_records import TransitionRecordSerializer
from kernel.api_schema import ApiErrorSerializer
from kernel.attachments import serve
from kernel.idempotency import idempotent
from kernel.input_guard import GuardedMultiPartParser
from services.models import Service

from . import contributions, investigations
from .errors import KnowledgeError
from .models import (
    Article,
    InvestigationEvidence,
    KnowledgeContribution,
    Problem,
    ProviderInvestigation,
)

TEXT_LIMIT = 20000


def _errors(*codes):
    return {code: ApiErrorSerializer for code in codes}


class EvidenceSerializer(serializers.ModelSerializer):
    class Meta:
        model = InvestigationEvidence
        fields = ["id", "original_name", "description", "content_type", "size", "uploaded_at"]


class ProblemSummarySerializer(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True, help_text="PRB-000123")
    services = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    fixing_change = serializers.SlugRelatedField(slug_field="reference", read_only=True,
                                                 allow_null=True)

    class Meta:
        model = Problem
        fields = ["reference", "title", "description", "status", "services", "fixing_change",
                  "created_at", "resolved_at"]


class InvestigationSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True, help_text="PRB-000123/xoserve")
    problem = ProblemSummarySerializer(read_only=True)
    provider = serializers.SlugRelatedField(slug_field="short_code", read_only=True)
    proposed_change = serializers.SlugRelatedField(slug_field="reference", read_only=True,
                                                   allow_null=True)
    evidence = EvidenceSerializer(many=True, read_only=True)
    transitions = TransitionRecordSerializer(many=True, read_only=True)

    class Meta:
        model = ProviderInvestigation
        fields = ["id", "reference", "problem", "provider", "role", "status", "findings",
                  "root_cause", "workaround", "proposed_change", "evidence", "transitions",
                  "assigned_at", "updated_at"]


class FindingsSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=ProviderInvestigation.Status.choices, required=False,
                                     help_text="Move your investigation on (optional).")
    findings = serializers.CharField(max_length=TEXT_LIMIT, required=False, allow_blank=True)
    root_cause = serializers.CharField(max_length=TEXT_LIMIT, required=False, allow_blank=True)
    workaround = serializers.CharField(max_length=TEXT_LIMIT, required=False, allow_blank=True)
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class ProposeChangeSerializer(serializers.Serializer):
    change = serializers.RegexField(r"^CHG-[0-9]{1,12}$", max_length=20,
                                    help_text="Your change notification's reference, "
                                              "e.g. CHG-000123.")


class EvidenceUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text=InvestigationEvidence.policy.help_text)
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)


class InvestigationFilter(serializers.Serializer):
    status = serializers.ChoiceField(choices=ProviderInvestigation.Status.choices, required=False)


@extend_schema_view(
    list=extend_schema(summary="List the problem investigations handed to your organisation",
                       parameters=[InvestigationFilter]),
    retrieve=extend_schema(summary="Retrieve one of your problem investigations"),
)
@extend_schema(tags=["Problem investigations"])
class InvestigationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                           viewsets.GenericViewSet):
    """Your organisation's part in problem investigations (s.8.12)."""

    serializer_class = InvestigationSerializer
    filter_backends = []

    def get_queryset(self):
        rows = (ProviderInvestigation.objects.visible_to(self.request.user)
                .select_related("problem__fixing_change", "provider", "proposed_change")
                .prefetch_related("problem__services", "evidence", "transitions__by")
                .order_by("-assigned_at", "-pk"))
        if self.action == "list":
            query = InvestigationFilter(data=self.request.query_params)
            query.is_valid(raise_exception=True)
            if query.validated_data.get("status"):
                rows = rows.filter(status=query.validated_data["status"])
        return rows

    def _respond(self, investigation, code=status.HTTP_200_OK):
        fresh = self.get_queryset().get(pk=investigation.pk)
        return Response(InvestigationSerializer(fresh).data, status=code)

    @extend_schema(summary="Record findings, root cause and workaround; move your status on",
                   request=FindingsSerializer,
                   responses={200: InvestigationSerializer, **_errors(400, 403, 404, 409)})
    @action(detail=True, methods=["post"])
    @idempotent
    def findings(self, request, pk=None):
        investigation = self.get_object()
        body = FindingsSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        with domain_errors(KnowledgeError):
            investigation = investigations.record_investigation(
                investigation=investigation, by=request.user, status=data.get("status", ""),
                findings=data.get("findings"), root_cause=data.get("root_cause"),
                workaround=data.get("workaround"), reason=data.get("reason", ""))
        return self._respond(investigation)

    @extend_schema(summary="Make the problem a known error with your workaround (owning "
                           "provider)", request=None,
                   responses={200: InvestigationSerializer, **_errors(403, 404, 409)})
    @action(detail=True, methods=["post"], url_path="known-error")
    @idempotent
    def known_error(self, request, pk=None):
        investigation = self.get_object()
        with domain_errors(KnowledgeError):
            investigations.record_known_error(investigation=investigation, by=request.user)
        return self._respond(investigation)

    @extend_schema(summary="Propose your change notification as the fix",
                   request=ProposeChangeSerializer,
                   responses={200: InvestigationSerializer, **_errors(400, 403, 404, 409)})
    @action(detail=True, methods=["post"], url_path="propose-change")
    @idempotent
    def propose_change(self, request, pk=None):
        investigation = self.get_object()
        body = ProposeChangeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        change = ChangeNotification.objects.visible_to(request.user).filter(
            reference=body.validated_data["change"]).first()
        if change is None:
            raise exceptions.ValidationError({"change": ["No such change notification."]})
        with domain_errors(KnowledgeError):
            investigation = investigations.propose_fixing_change(
                investigation=investigation, change_notification=change, by=request.user)
        return self._respond(investigation)

    @extend_schema(summary="Attach evidence (multipart/form-data, field `file`)",
                   request={"multipart/form-data": EvidenceUploadSerializer},
                   responses={201: EvidenceSerializer, **_errors(400, 403, 404, 409)})
    @action(detail=True, methods=["post"], url_path="evidence",
            parser_classes=[GuardedMultiPartParser])
    @idempotent
    def attach(self, request, pk=None):
        investigation = self.get_object()
        body = EvidenceUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        with domain_errors(KnowledgeError):
            evidence = investigations.add_evidence(
                investigation=investigation, upload=body.validated_data["file"],
                description=body.validated_data.get("description", ""), by=request.user)
        return Response(EvidenceSerializer(evidence).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Download evidence", responses={
        (200, "application/octet-stream"): OpenApiTypes.BINARY, **_errors(404)})
    @action(detail=True, methods=["get"], url_path=r"evidence/(?P<evidence_id>[0-9]+)")
    def download(self, request, pk=None, evidence_id=None):
        investigation = self.get_object()
        return serve(get_object_or_404(investigation.evidence.all(), pk=evidence_id),
                     request.user)


# --- contributions --------------------------------------------------------------
class ContributionSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True, help_text="KC-000123")
    organisation = serializers.SlugRelatedField(slug_field="short_code", read_only=True)
    services = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    problem = serializers.SerializerMethodField()
    article = serializers.SerializerMethodField()
    transitions = TransitionRecordSerializer(many=True, read_only=True)

    class Meta:
        model = KnowledgeContribution
        fields = ["id", "reference", "organisation", "kind", "article_type", "title", "summary",
                  "body", "suggested_audience", "services", "problem", "status", "article",
                  "transitions", "created_at", "updated_at"]

    def get_problem(self, obj) -> str | None:
        return obj.problem.reference if obj.problem_id else None

    def get_article(self, obj) -> str | None:
        return obj.article.reference if obj.article_id else None


class ContributionWriteSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=KnowledgeContribution.Kind.choices, required=False)
    article_type = serializers.ChoiceField(choices=Article.Type.choices, required=False)
    title = serializers.CharField(max_length=200)
    summary = serializers.CharField(max_length=400, required=False, allow_blank=True)
    body = serializers.CharField(max_length=50000)
    suggested_audience = serializers.ChoiceField(choices=Article.Audience.choices,
                                                 required=False)
    services = serializers.ListField(child=serializers.SlugField(max_length=40), required=False,
                                     max_length=50, help_text="Service codes, e.g. uk-link.")
    problem = serializers.RegexField(r"^PRB-[0-9]{1,12}$", max_length=20, required=False,
                                     allow_null=True,
                                     help_text="For a known error: the problem, e.g. PRB-000012.")

    def validate_services(self, codes):
        user = self.context["request"].user
        found = list(Service.objects.visible_to(user).filter(code__in=codes))
        missing = sorted(set(codes) - {service.code for service in found})
        if missing:
            raise serializers.ValidationError(f"No such service: {', '.join(missing)}.")
        return found

    def validate_problem(self, reference):
        if reference is None:
            return None
        user = self.context["request"].user
        pk = int(reference.split("-")[1])
        problem = Problem.objects.visible_to(user).filter(pk=pk).first()
        if problem is None:
            raise serializers.ValidationError("No such problem.")
        return problem


class ContributionActionSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True)


@extend_schema_view(
    list=extend_schema(summary="List your organisation's knowledge contributions"),
    retrieve=extend_schema(summary="Retrieve one of your knowledge contributions"),
    create=extend_schema(summary="Draft a knowledge article or known error for the desk",
                         request=ContributionWriteSerializer,
                         responses={201: ContributionSerializer, **_errors(400, 403, 409)}),
    partial_update=extend_schema(summary="Edit a draft contribution",
                                 request=ContributionWriteSerializer,
                                 responses={200: ContributionSerializer,
                                            **_errors(400, 403, 404, 409)}),
)
@extend_schema(tags=["Knowledge contributions"])
class ContributionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                          viewsets.GenericViewSet):
    """Knowledge articles and known errors your organisation drafts for the desk (s.9.6)."""

    serializer_class = ContributionSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]
    filter_backends = []

    def get_queryset(self):
        return (KnowledgeContribution.objects.visible_to(self.request.user)
                .select_related("organisation", "problem", "article")
                .prefetch_related("services", "transitions__by")
                .order_by("-updated_at", "-pk"))

    def _respond(self, contribution, code=status.HTTP_200_OK):
        fresh = self.get_queryset().get(pk=contribution.pk)
        return Response(ContributionSerializer(fresh).data, status=code)

    @idempotent
    def create(self, request):
        if not policy.may_contribute_knowledge(request.user):
            raise exceptions.PermissionDenied("Only service providers contribute knowledge.")
        body = ContributionWriteSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        with domain_errors(KnowledgeError):
            contribution = contributions.create_contribution(by=request.user,
                                                             **body.validated_data)
        return self._respond(contribution, status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        contribution = self.get_object()
        body = ContributionWriteSerializer(data=request.data, partial=True,
                                           context={"request": request})
        body.is_valid(raise_exception=True)
        changes = dict(body.validated_data)
        services = changes.pop("services", None)
        with domain_errors(KnowledgeError):
            contribution = contributions.update_contribution(
                contribution=contribution, by=request.user, changes=changes, services=services)
        return self._respond(contribution)

    def _act(self, request, name):
        contribution = self.get_object()
        body = ContributionActionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        with domain_errors(KnowledgeError):
            contribution = contributions.act_on_contribution(
                contribution=contribution, action=name, by=request.user,
                reason=body.validated_data.get("reason", ""))
        return self._respond(contribution)

    @extend_schema(summary="Submit a draft for the desk's review",
                   request=ContributionActionSerializer,
                   responses={200: ContributionSerializer, **_errors(400, 403, 404, 409)})
    @action(detail=True, methods=["post"])
    @idempotent
    def submit(self, request, pk=None):
        return self._act(request, "submit")

    @extend_schema(summary="Withdraw a draft or submitted contribution",
                   request=ContributionActionSerializer,
                   responses={200: ContributionSerializer, **_errors(400, 403, 404, 409)})
    @action(detail=True, methods=["post"])
    @idempotent
    def withdraw(self, request, pk=None):
        return self._act(request, "withdraw")
