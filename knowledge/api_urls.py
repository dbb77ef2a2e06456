"""API endpoints of the knowledge app, mounted under /api/v1/ by switching_sm/urls.py."""

from rest_framework.routers import SimpleRouter

from .api import ArticleViewSet
from .api_providers import ContributionViewSet, InvestigationViewSet

router = SimpleRouter()
router.register("knowledge/articles", ArticleViewSet, basename="knowledge-article")
router.register("knowledge/contributions", ContributionViewSet, basename="knowledge-contribution")
router.register("problem-investigations", InvestigationViewSet, basename="problem-investigation")
urlpatterns = router.urls
