"""API endpoints of the knowledge app, mounted under /api/v1/ by switching_sm/urls.py."""

from rest_framework.routers import SimpleRouter

from .api import ArticleViewSet

router = SimpleRouter()
router.register("knowledge/articles", ArticleViewSet, basename="knowledge-article")
urlpatterns = router.urls
