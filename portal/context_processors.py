from django.apps import apps
from django.urls import NoReverseMatch, reverse

from accounts import policy


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


def navigation(request):
    """Give every portal page its navigation and the user's standing."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    return {
        "nav_items": _nav_items(),
        "may_use_console": policy.may_use_console(user),
    }
