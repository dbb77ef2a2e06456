"""What a person sees first: each process's headline figures, as this user may see them.

Each block reads only the other apps' public querysets (`visible_to`, named
business questions), so the home page obeys the same policy as the pages it
links to.
"""

from datetime import timedelta

from django.utils import timezone

from accounts import policy
from changes.models import ChangeNotification
from incidents.models import Incident
from servicerequests.models import ServiceRequest
from servicestatus import snapshot
from servicestatus.models_bulletins import Bulletin


def _incidents(user):
    visible = Incident.objects.visible_to(user)
    open_ = visible.open()
    return {
        "open": open_.count(),
        "breached": open_.breached().count(),
        "breaching_soon": visible.breaching_within(minutes=30).count(),
        "major": open_.major().count(),
        "recent": list(open_.order_by("-created_at")[:5]),
    }


def _requests(user):
    visible = ServiceRequest.objects.visible_to(user)
    return {
        "open": visible.open().count(),
        "awaiting_my_decision": ServiceRequest.objects.awaiting_decision_by(user).count(),
    }


def _changes(user):
    now = timezone.now()
    week = (ChangeNotification.objects.scheduled().overlapping(now, now + timedelta(days=7))
            .order_by("planned_start"))
    data = {"this_week": list(week[:5]), "this_week_count": week.count()}
    if policy.is_operations(user):
        data["awaiting_decision"] = ChangeNotification.objects.awaiting_decision().count()
    return data


def _status(user):
    data = snapshot.get("portal")
    return {
        "overall": data["overall"],
        "not_operational": [c for c in data["components"] if c["status"] != "operational"],
        "bulletins": list(Bulletin.objects.published().visible_to(user)
                          .order_by("-published_at")[:3]),
    }


def build(user):
    """Return the home page's blocks for `user`."""
    return {
        "incidents": _incidents(user),
        "requests": _requests(user),
        "changes": _changes(user),
        "status": _status(user),
    }
