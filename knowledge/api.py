"""Knowledge API: search and read published articles (for providers' and participants' tools).

Only what the caller's audience may read is listed or retrieved; any other
article is 404, exactly as if it did not exist.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets

from .models import Article
from .search import MAX_QUERY_LENGTH, search_articles, with_snippets


class ArticleQuerySerializer(serializers.Serializer):
    q = serializers.CharField(max_length=MAX_QUERY_LENGTH, required=False, allow_blank=True)
    type = serializers.ChoiceField(choices=Article.Type.choices, required=False)
    service = serializers.SlugField(max_length=40, required=False)


class ArticleSummarySerializer(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True, help_text="KB-000123")
    type = serializers.CharField(source="article_type")
    title = serializers.CharField(source="published_version.title")
    summary = serializers.CharField(source="published_version.summary")
    version = serializers.IntegerField(source="published_version.number")
    services = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()
    snippet = serializers.SerializerMethodField(
        help_text="With ?q=: the matching text, HTML-escaped, matches wrapped in <mark>.")

    class Meta:
        model = Article
        fields = ["id", "reference", "type", "audience", "title", "summary", "version",
                  "published_at", "services", "url", "snippet"]

    def get_services(self, obj) -> list[str]:
        return [service.code for service in obj.services.all()]

    def get_url(self, obj) -> str:
        request = self.context.get("request")
        path = obj.get_absolute_url()
        return request.build_absolute_uri(path) if request else path

    def get_snippet(self, obj) -> str | None:
        snippet = getattr(obj, "snippet", None)
        return str(snippet) if snippet is not None else None


class ArticleDetailSerializer(ArticleSummarySerializer):
    body_markdown = serializers.CharField(source="published_version.body")
    body_html = serializers.SerializerMethodField(help_text="Rendered and sanitised body.")

    class Meta(ArticleSummarySerializer.Meta):
        fields = [f for f in ArticleSummarySerializer.Meta.fields if f != "snippet"] + [
            "body_markdown", "body_html"]

    def get_body_html(self, obj) -> str:
        return obj.published_version.html


SEARCH_PARAMETERS = [
    OpenApiParameter("q", OpenApiTypes.STR, description=(
        "Words to search for; the last one may be a prefix. Results are ranked and carry "
        "a highlighted snippet.")),
    OpenApiParameter("type", OpenApiTypes.STR, enum=Article.Type.values,
                     description="Only articles of this type."),
    OpenApiParameter("service", OpenApiTypes.STR,
                     description="Only articles about this service (code, e.g. uk-link)."),
]


@extend_schema(tags=["Knowledge"])
class ArticleViewSet(viewsets.ReadOnlyModelViewSet):
    """Published knowledge articles the caller's audience may read."""

    filter_backends = []

    def get_serializer_class(self):
        return ArticleDetailSerializer if self.action == "retrieve" else ArticleSummarySerializer

    def get_queryset(self):
        return (Article.objects.visible_to(self.request.user)
                .select_related("published_version").prefetch_related("services")
                .order_by("-published_at", "pk"))

    @extend_schema(
        parameters=SEARCH_PARAMETERS,
        examples=[OpenApiExample(
            "Search result", response_only=True,
            value={"count": 1, "next": None, "previous": None, "results": [{
                "id": 12, "reference": "KB-000012", "type": "known_error",
                "audience": "participants",
                "title": "Switch request rejected: address mismatch",
                "summary": "Use the REL address, not the supplier's own address.",
                "version": 3, "published_at": "2026-11-02T09:30:00Z", "services": ["css-address"],
                "url": "https://ssm.example/knowledge/12/",
                "snippet": "…resubmit with the <mark>address</mark> from REL…"}]},
        )],
    )
    def list(self, request, *args, **kwargs):
        """Search (?q=) or list articles, optionally by type and service."""
        params = ArticleQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        text = params.validated_data.get("q", "").strip()
        article_type = params.validated_data.get("type", "")
        service_code = params.validated_data.get("service", "")
        if text:
            articles = search_articles(user=request.user, text=text, article_type=article_type,
                                       service_code=service_code).prefetch_related("services")
        else:
            articles = self.get_queryset()
            if article_type:
                articles = articles.filter(article_type=article_type)
            if service_code:
                articles = articles.filter(services__code=service_code)
        page = self.paginate_queryset(articles)
        items = with_snippets(page, text) if text else page
        return self.get_paginated_response(self.get_serializer(items, many=True).data)
