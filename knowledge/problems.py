"""Problem work: create from incidents, co-ordinate providers, known errors, apply workarounds.

Uses the incidents app only through its agreed contract (Incident fields and
`incidents.services.add_comment`), imported inside the functions that need it.
"""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from incidents.services import add_comment
from notifications.services import queue_email

from .errors import InvalidTransition
from .models import (
    Article,
    Problem,
    ProblemIncident,
    ProviderInvestigation,
    WorkaroundApplication,
)
from .search import search_articles
from .services import create_article, transition_article

MATCH_WORDS = 12  # words of the incident's title and description used to find known errors


@transaction.atomic
def create_problem(*, title: str, owning_provider, by, incidents=(), contributing_providers=(),
                   description: str = "", services=None) -> Problem:
    """Record a problem, link `incidents`, and open one investigation task per provider.

    Affected services default to every service of the linked incidents.
    """
    problem = Problem.objects.create(title=title, description=description,
                                     owning_provider=owning_provider, created_by=by)
    ProviderInvestigation.objects.create(problem=problem, provider=owning_provider,
                                         role=ProviderInvestigation.Role.OWNER)
    for provider in contributing_providers:
        if provider.pk != owning_provider.pk:
            ProviderInvestigation.objects.get_or_create(
                problem=problem, provider=provider,
                defaults={"role": ProviderInvestigation.Role.CONTRIBUTOR})
    affected = set(services or ())
    for incident in incidents:
        link_incident(problem=problem, incident=incident, by=by)
        if services is None:
            affected.update(incident.services.all())
    problem.services.set(affected)
    return problem


@transaction.atomic
def link_incident(*, problem: Problem, incident, by) -> ProblemIncident:
    """Link an incident to the problem (idempotent)."""
    link, _ = ProblemIncident.objects.get_or_create(problem=problem, incident=incident,
                                                    defaults={"linked_by": by})
    return link


@transaction.atomic
def transition_problem(*, problem: Problem, action: str, by, reason: str = ""):
    """Apply a lifecycle action; raise InvalidTransition when not allowed. Locks the row."""
    locked = Problem.objects.select_for_update().get(pk=problem.pk)
    row = locked.transition(action, by=by, reason=reason)
    problem.refresh_from_db()
    return row


@transaction.atomic
def update_investigation(*, investigation: ProviderInvestigation, status: str,
                         findings: str = "") -> ProviderInvestigation:
    """Move one provider's investigation task on (providers report in parallel)."""
    locked = ProviderInvestigation.objects.select_for_update().get(pk=investigation.pk)
    locked.update(status=status, findings=findings)
    return locked


@transaction.atomic
def record_known_error(*, problem: Problem, by, workaround: str, root_cause: str = "") -> Problem:
    """Record the workaround (and root cause if known) and make the problem a known error."""
    if not workaround.strip():
        raise InvalidTransition("A known error needs a workaround.")
    locked = Problem.objects.select_for_update().get(pk=problem.pk)
    locked.workaround = workaround.strip()
    if root_cause.strip():
        locked.root_cause = root_cause.strip()
    locked.save(update_fields=["workaround", "root_cause"])
    if locked.status == Problem.Status.NEW:
        locked.transition("investigate", by=by, reason="Workaround found")
    locked.transition("known_error", by=by)
    problem.refresh_from_db()
    return problem


@transaction.atomic
def publish_known_error_article(*, problem: Problem, by, audience: str,
                                audience_market_role: str = "", review_in_days: int = 90) -> Article:
    """Write, review and publish a known-error article from the problem's workaround."""
    if problem.status != Problem.Status.KNOWN_ERROR or not problem.workaround:
        raise InvalidTransition("Only a known error with a workaround can be published.")
    if problem.known_error_article_id:
        raise InvalidTransition("This problem already has its known-error article.")
    body = f"## Symptom\n\n{problem.description or problem.title}\n\n" \
           f"## Workaround\n\n{problem.workaround}\n"
    if problem.root_cause:
        body += f"\n## Cause\n\n{problem.root_cause}\n"
    article = create_article(
        by=by, owner=by, article_type=Article.Type.KNOWN_ERROR, title=problem.title,
        summary=f"Known error {problem.reference}: workaround available.", body=body,
        audience=audience, audience_market_role=audience_market_role,
        services=problem.services.all(),
        review_by=timezone.localdate() + timedelta(days=review_in_days),
        change_note=f"From {problem.reference}",
    )
    transition_article(article=article, action="submit", by=by)
    transition_article(article=article, action="publish", by=by)
    problem.known_error_article = article
    problem.save(update_fields=["known_error_article"])
    return article


def matching_known_errors(*, incident, user, limit: int = 5):
    """Return live known-error articles `user` may see that match the incident, best first.

    Same service (when the incident names any) and similar text: any of the first
    words of its title and description.
    """
    words = f"{incident.title} {incident.description}".split()[:MATCH_WORDS]
    service_ids = list(incident.services.values_list("pk", flat=True)) or None
    found = search_articles(user=user, text=" ".join(words), match_any=True,
                            article_type=Article.Type.KNOWN_ERROR, service_ids=service_ids)
    return list(found[:limit])


@transaction.atomic
def apply_workaround(*, incident, article: Article, by) -> WorkaroundApplication:
    """Apply a known error's workaround to an incident in one action.

    Links the article (and its problem, if any) to the incident, sends the
    workaround to the raiser as a public comment on the incident, and counts it.
    Resolving the incident stays with the incidents app. Applying twice is refused.
    """
    applicable = Article.objects.visible_to(by).filter(
        pk=article.pk, article_type=Article.Type.KNOWN_ERROR).exists()
    if not applicable:
        raise InvalidTransition("Only a published known error's workaround can be applied.")
    if WorkaroundApplication.objects.filter(incident=incident, article=article).exists():
        raise InvalidTransition("This workaround has already been applied to the incident.")
    problem = article.problems.order_by("-created_at").first()
    if problem is not None:
        link_incident(problem=problem, incident=incident, by=by)
    application = WorkaroundApplication.objects.create(incident=incident, article=article,
                                                       problem=problem, applied_by=by)
    version = article.published_version
    add_comment(
        incident=incident, author=by, public=True,
        body=f"A workaround is known for this ({article.reference}: {version.title}).\n\n"
             f"{version.body}\n\nRead it online: {article.get_absolute_url()}",
    )
    _send_workaround(incident=incident, article=article, application=application)
    return application


def _send_workaround(*, incident, article, application):
    """Email the workaround itself to whoever raised the incident.

    The incident's own "updated" notice does not carry the comment text, so the
    raiser would otherwise have to sign in to read it. `raised_by` is not in the
    incidents contract, so the raising organisation's contact address is the fallback.
    """
    raiser = getattr(incident, "raised_by", None)
    address = getattr(raiser, "email", "") or incident.organisation.contact_email
    queue_email(
        to=[address], subject=f"{incident.reference}: a workaround is available",
        template="knowledge/email/workaround_applied",
        context={"incident": incident, "article": article,
                 "version": article.published_version},
        topic="incident.workaround", dedup_key=f"knowledge-workaround:{application.pk}",
    )


@transaction.atomic
def link_fixing_change(*, problem: Problem, change_notification, by, resolve: bool = True):
    """Record the change notification that fixes the problem; resolve it if asked."""
    locked = Problem.objects.select_for_update().get(pk=problem.pk)
    locked.fixing_change = change_notification
    locked.save(update_fields=["fixing_change"])
    if resolve:
        locked.transition("resolve", by=by, reason=f"Fixed by {change_notification.reference}")
    problem.refresh_from_db()
    return problem
