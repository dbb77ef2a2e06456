"""Atom feed of the public status: status changes of public services and public bulletins."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed

from services.models import Service

from .models import Bulletin, Cause, StatusInterval


@dataclass
class FeedItem:
    uid: str
    title: str
    body: str
    published: datetime
    link: str


class StatusFeed(Feed):
    feed_type = Atom1Feed
    title = "Switching service status"
    subtitle = "Status changes of the central switching services, and public bulletins."
    description = subtitle

    def link(self):
        return reverse("servicestatus:public")

    def items(self):
        since = timezone.now() - timedelta(days=30)
        status_url = reverse("servicestatus:public")
        items = [
            FeedItem(
                uid=f"status-{interval.pk}",
                title=f"{interval.service.name}: {interval.get_status_display()}",
                body=f"{interval.service.name} is {interval.get_status_display().lower()} "
                     f"since {timezone.localtime(interval.start):%d %b %Y %H:%M} (UK time).",
                published=interval.start, link=f"{status_url}#service-{interval.service.code}",
            )
            for interval in StatusInterval.objects.filter(
                service__in=Service.objects.public(), start__gte=since)
            .exclude(cause=Cause.INITIAL).select_related("service").order_by("-start")[:50]
        ]
        items += [
            FeedItem(uid=f"bulletin-{b.pk}", title=b.title, body=b.body,
                     published=b.published_at, link=f"{status_url}#bulletin-{b.pk}")
            for b in Bulletin.objects.public().order_by("-published_at")[:20]
        ]
        return sorted(items, key=lambda item: item.published, reverse=True)

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.body

    def item_link(self, item):
        return item.link

    def item_guid(self, item):
        return f"urn:switching-sm:{item.uid}"

    def item_pubdate(self, item):
        return item.published

    def item_updateddate(self, item):
        return item.published
