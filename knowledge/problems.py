"""Problem work: create from incidents, co-ordinate providers, known errors, apply workarounds.

Uses the incidents app only through its agreed contract (Incident fields,
`incidents.services.add_comment` and `incidents.communications.publish`).
"""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import Organisation
from changes.models import ChangeNotification
from incidents.communications import publish
from incidents.models import CommunicationKind
from incidents.services import add_comment
from notifications.services import queue_email, wants_email

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

INVESTIGATION_TOPIC = "problem.investigation"  # notification preference topic for providers
MATCH_WORDS = 12  # words of the incident's title and description used to find known errors


@transaction.atomic
def create_problem(*, title: str, owning_provider, by, incidents=(), contributing_providers=(),
                   description: str = "", services=None) -> Problem:
    """Record a problem, link `incidents`, and open one investigation task per provider.

    Affected services default to every service of the linked incidents.
    """
    problem = Problem.objects.create(title=title, description=description,
                                     owning_provider=owning_provider, created_by=by)
    assign_investigation(problem=problem, provider=owning_provider, by=by,
                         role=ProviderInvestigation.Role.OWNER)
    for provider in contributing_providers:
        if provider.pk != owning_provider.pk:
            assign_investigation(problem=problem, provider=provider, by=by)
    affected = set(services or ())
    for incident in incidents:
        link_incident(problem=problem, incident=incident, by=by)
        if services is None:
            affected.update(incident.services.all())
    problem.services.set(affected)
    return problem


@transaction.atomic
def assign_investigation(*, problem: Problem, provider, by,
                         role: str = ProviderInvestigation.Role.CONTRIBUTOR,
                         note: str = "") -> ProviderInvestigation:
    """Hand the problem to `provider` to investigate its part, and email its people.

    Idempotent: a provider already on the problem keeps its investigation (and role).
    """
    if provider.kind != provider.Kind.CDS_PROVIDER:
        raise InvalidTransition(f"{provider} is not a service provider; only providers "
                                "investigate problems.")
    investigation, created = ProviderInvestigation.objects.get_or_create(
        problem=problem, provider=provider, defaults={"role": role})
    if created:
        investigation.transitions.create(from_status="", to_status=investigation.status, by=by,
                                         reason=note.strip() or "Assigned")
        _tell_provider(investigation, subject=f"Problem investigation: {problem.reference} "
                                              f"{problem.title}",
                       template="knowledge/email/investigation_assigned",
                       dedup_key=f"knowledge-investigation-assigned:{investigation.pk}",
                       note=note)
    return investigation


def _provider_people(provider):
    return [person for person in provider.users.filter(is_active=True)
            if not person.is_system_account]


def _tell_provider(investigation, *, subject, template, dedup_key, **context):
    """Email the provider's people (who have not opted out), else its contact address."""
    people = _provider_people(investigation.provider)
    context = {"investigation": investigation, "problem": investigation.problem, **context}
    addresses = [person.email for person in people
                 if wants_email(person, INVESTIGATION_TOPIC)]
    if not people:
        addresses = [investigation.provider.contact_email]
    queue_email(to=addresses, subject=subject, template=template, context=context,
                topic=INVESTIGATION_TOPIC, dedup_key=dedup_key)


def tell_coordinators(*, subject, template, context, dedup_key=None, topic=INVESTIGATION_TOPIC):
    """Email the Switching Service Desk and Switching Operations (their contact addresses)."""
    addresses = Organisation.objects.filter(
        kind__in=[Organisation.Kind.SERVICE_DESK, Organisation.Kind.SWITCHING_OPERATIONS],
        is_active=True).values_list("contact_email", flat=True)
    queue_email(to=list(addresses), subject=subject, template=template, context=context,
                topic=topic, dedup_key=dedup_key)


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
                         findings: str = "", by=None, reason: str = "") -> ProviderInvestigation:
    """Move one provider's investigation task on (providers report in parallel)."""
    locked = ProviderInvestigation.objects.select_for_update().get(pk=investigation.pk)
    locked.update(status=status, findings=findings, by=by, reason=reason)
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
    service_ids = [service.pk for service in incident.services.all()] or None  # uses a prefetch
    found = search_articles(user=user, text=" ".join(words), match_any=True,
                            article_type=Article.Type.KNOWN_ERROR, service_ids=service_ids)
    return list(found[:limit])


@transaction.atomic
def apply_workaround(*, incident, article: Article, by) -> WorkaroundApplication:
    """Apply a known error's workaround to an incident in one action.

    Links the article (and its problem, if any) to the incident, sends the
    workaround to the raiser as a public comment on the incident, and counts it.
    On a master incident the workaround is also published as its workaround
    communication, so it cascades to every child and reaches each raiser once (in their
    organisation's email) instead of the raiser's own email.
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
    body = (f"A workaround is known for this ({article.reference}: {version.title}).\n\n"
            f"{version.body}\n\nRead it online: {article.get_absolute_url()}")
    add_comment(incident=incident, author=by, public=True, body=body)
    if incident.children.exists():
        publish(incident=incident, by=by, kind=CommunicationKind.WORKAROUND, body=body)
    else:
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
def link_fixing_change(*, problem: Problem, change_notification, by) -> Problem:
    """Record the change notification that fixes the problem.

    Linking does not resolve it: the problem resolves by itself once the change is
    implemented and verified (`follow_fixing_change`), at once if it already is.
    """
    locked = Problem.objects.select_for_update().get(pk=problem.pk)
    if locked.status in (Problem.Status.RESOLVED, Problem.Status.CLOSED):
        raise InvalidTransition(f"{locked.reference} is {locked.get_status_display().lower()}; "
                                "reopen it (investigate) before linking another fix.")
    locked.fixing_change = change_notification
    locked.save(update_fields=["fixing_change"])
    _follow(locked)
    problem.refresh_from_db()
    return problem


def follow_fixing_change(*, change_notification) -> int:
    """Bring every open problem this change fixes into line with the change; return how many
    moved. Called after each change transition (changes' signal) and by the sweep.

    Implemented and verified: the problem resolves. Failed or backed out: the problem is
    reopened for investigation, the link is cleared (the providers' investigations keep
    it as what they proposed), and the providers and the desk are told. Idempotent.
    """
    moved = 0
    for pk in Problem.objects.filter(fixing_change=change_notification).values_list("pk",
                                                                                    flat=True):
        with transaction.atomic():
            moved += _follow(Problem.objects.select_for_update().get(pk=pk))
    return moved


def follow_fixing_changes() -> int:
    """Sweep: follow every open problem whose fixing change has an outcome (a lost signal is
    then a delay of one sweep, never a problem left unresolved)."""
    S = ChangeNotification.Status
    due = (Problem.objects.open().filter(fixing_change__status__in=[
        *ChangeNotification.OUTCOME_STATUSES, S.REVIEWED, S.CLOSED])
        .values_list("fixing_change", flat=True).distinct())
    return sum(follow_fixing_change(change_notification=change)
               for change in ChangeNotification.objects.filter(pk__in=due))


def _follow(problem: Problem) -> int:
    """Resolve or reopen one locked problem by its fixing change's outcome; return 1 if moved."""
    change = problem.fixing_change
    if change is None:
        return 0
    if change.is_verified_fix and problem.status in (Problem.Status.INVESTIGATING,
                                                     Problem.Status.KNOWN_ERROR):
        problem.transition("resolve", by=None, reason=f"Fixed by {change.reference}: "
                                                      "implemented and verified")
        _tell_everyone(problem, change, event="resolved")
        return 1
    if change.has_failed and problem.status != Problem.Status.CLOSED:
        problem.fixing_change = None
        problem.save(update_fields=["fixing_change"])
        if problem.status != Problem.Status.INVESTIGATING:
            problem.transition("investigate", by=None, reason=(
                f"Reopened: fix {change.reference} {change.outcome.replace('_', ' ')}"))
        for investigation in problem.provider_tasks.filter(
                proposed_change=change, status=ProviderInvestigation.Status.CONCLUDED):
            investigation.update(status=ProviderInvestigation.Status.INVESTIGATING,
                                 reason=f"Fix {change.reference} did not work")
        _tell_everyone(problem, change, event="reopened")
        return 1
    return 0


def _tell_everyone(problem, change, *, event):
    """Tell every provider on the problem, the desk and Switching Operations."""
    subject = {"resolved": f"Resolved: {problem.reference} (fix {change.reference} verified)",
               "reopened": f"Reopened: {problem.reference} (fix {change.reference} "
                           f"{change.get_status_display().lower()})"}[event]
    key = f"knowledge-problem-{event}:{problem.pk}:{change.pk}"
    for investigation in problem.provider_tasks.select_related("provider"):
        _tell_provider(investigation, subject=subject, template="knowledge/email/problem_fix",
                       dedup_key=f"{key}:{investigation.provider_id}", change=change,
                       event=event)
    tell_coordinators(subject=subject, template="knowledge/email/problem_fix",
                      context={"problem": problem, "change": change, "event": event},
                      dedup_key=f"{key}:coordinators")
