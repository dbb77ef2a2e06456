from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from accounts import policy

from . import overview


@login_required
def home(request):
    """The signed-in landing page: the state of the service and of your own work."""
    user = request.user
    return render(request, "portal/home.html", {
        "organisation": user.organisation,
        "is_internal": policy.is_internal(user),
        "is_participant": policy.is_participant(user),
        "is_provider": policy.is_provider(user),
        "may_raise_request": policy.may_raise_service_request(user),
        **overview.build(user),
    })


