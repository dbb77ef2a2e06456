"""Master incidents: the rows that gather many parties' reports of one failure.

`Incident.master` points a child at its master; these rows keep the history and what
follows from it: who linked or unlinked a child and when (`MasterLink`), which
organisations joined an incident instead of raising a duplicate (`AffectedOrganisation`),
and which of the master's communications each child has received (`CascadedUpdate`, one
row per child and communication, so a cascade interrupted half-way and run again never
repeats one).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.models import Organisation
from accounts.policy import VisibleQuerySet


class MasterLink(models.Model):
    """A child linked to, or unlinked from, a master incident (who, when, why)."""

    class Action(models.TextChoices):
        LINKED = "linked", "Linked"  # the child now follows the master
        UNLINKED = "unlinked", "Unlinked"  # the child is worked on its own again

    master = models.ForeignKey("incidents.Incident", on_delete=models.CASCADE,
                               related_name="master_links")
    child = models.ForeignKey("incidents.Incident", on_delete=models.CASCADE,
                              related_name="child_links")
    action = models.CharField(max_length=8, choices=Action.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                           related_name="+")
    at = models.DateTimeField(default=timezone.now)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["child", "at"], name="inc_master_link_child_idx")]

    def __str__(self):
        return f"{self.child_id} {self.action} {self.master_id}"


class AffectedOrganisationQuerySet(VisibleQuerySet):
    pass


class AffectedOrganisation(models.Model):
    """An organisation that joined an incident with its own impact instead of raising a
    duplicate (the portal's "add your organisation's impact" offer), or that the desk added.

    Organisations that raised the incident, or raised one of its children, are affected
    too; incidents.selectors.affected_parties answers for all of them.
    """

    class How(models.TextChoices):
        JOINED = "joined", "Joined from the portal"  # a participant added its impact
        ADDED = "added", "Added by the desk"  # e.g. told the desk by phone

    incident = models.ForeignKey("incidents.Incident", on_delete=models.CASCADE,
                                 related_name="affected_organisations")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT,
                                     related_name="incidents_affecting")
    how = models.CharField(max_length=8, choices=How.choices, default=How.JOINED)
    impact = models.TextField(help_text="How the organisation is affected, in its own words.")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    objects = AffectedOrganisationQuerySet.as_manager()

    class Meta:
        ordering = ["recorded_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["incident", "organisation"],
                                               name="uniq_affected_organisation"),
                       models.CheckConstraint(condition=~Q(impact=""),
                                              name="affected_organisation_needs_impact")]

    def __str__(self):
        return f"{self.organisation} affected by {self.incident_id}"


class CascadedUpdate(models.Model):
    """A master's communication as it reached one child (the public comment it became)."""

    child = models.ForeignKey("incidents.Incident", on_delete=models.CASCADE,
                              related_name="cascaded_updates")
    communication = models.ForeignKey("incidents.Communication", on_delete=models.CASCADE,
                                      related_name="cascades")
    comment = models.OneToOneField("incidents.IncidentComment", on_delete=models.CASCADE,
                                   related_name="cascaded_from")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["child", "communication"],
                                               name="uniq_cascade_per_child")]

    def __str__(self):
        return f"Communication {self.communication_id} on {self.child_id}"
