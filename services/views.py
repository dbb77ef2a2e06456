from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render

from .models import Service


@login_required
def catalogue(request):
    services = Service.objects.visible_to(request.user).select_related("provider")
    return render(request, "services/catalogue.html", {"services": services})


@login_required
def service_detail(request, code):
    service = get_object_or_404(
        Service.objects.visible_to(request.user).select_related("provider", "resolver_group",
                                                                "service_hours"),
        code=code,
    )
    needs = Service.objects.filter(dependents__service=service).order_by("name")
    needed_by = Service.objects.filter(dependencies__depends_on=service).order_by("name")
    return render(request, "services/detail.html",
                  {"service": service, "needs": needs, "needed_by": needed_by})
