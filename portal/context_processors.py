from django.apps import apps
from django.core.cache import cache
from django.urls import NoReverseMatch, reverse

from accounts import policy
from incidents.models import Incident


def _nav_items():
    """Collect (order, label, url) from every app's `portal_nav`, skipping unbuilt pages."""
    items = []
    for config in apps.get_app_configs():
        for label, url_name, order in getattr(config, "portal_nav", []):
            try:
                items.append((order, label, reverse(url_name)))
            except NoReverseMatch:
                continue
    return [{"label": label, "url": url} for _, label, url in sorted(items)]


MAJOR_BANNER_KEY = "portal:major-incident-banner"
MAJOR_BANNER_SECONDS = 30


def major_incident_banner():
    """Return the open major incidents every signed-in party is told about (public fields only).

    Major incidents are communicated to all market participants (s.11.41), so the
    banner is the same for everyone; cached briefly because every page shows it.
    """
    banner = cache.get(MAJOR_BANNER_KEY)
    if banner is None:
        banner = [
            {"reference": i.reference, "title": i.title,
             "summary": getattr(getattr(i, "major", None), "summary", "")}
            for i in Incident.objects.public().open().major().select_related("major")
            .order_by("-created_at")[:3]
        ]
        cache.set(MAJOR_BANNER_KEY, banner, MAJOR_BANNER_SECONDS)
    return banner


def navigation(request):
    """Give every portal page its navigation and the user's standing."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    return {
        "nav_items": _nav_items(),
        "may_use_console": policy.may_use_console(user),
        "major_incidents": major_incident_banner(),
    }
