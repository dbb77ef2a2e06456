"""Providers' knowledge contributions (s.9.6, s.11.35): draft, submit, and the desk's review.

The portal, the console and the API call these functions; each checks permission
(accounts.policy). An accepted contribution becomes an ordinary knowledge article,
written by the desk reviewer with the audience they choose, so every audience rule
and the article's own review and publication apply to it unchanged.
"""

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts import policy
from notifications.services import notify_users, queue_email

from .errors import InvalidTransition
from .models import Article, KnowledgeContribution, Problem
from .problems import tell_coordinators
from .services import create_article, transition_article

EDITABLE_FIELDS = ("kind", "article_type", "title", "summary", "body", "suggested_audience",
                   "problem")
REVIEW_IN_DAYS = 180
CONTRIBUTION_TOPIC = "knowledge.contribution"


def _check_problem(by, problem):
    if problem is not None and not Problem.objects.visible_to(by).filter(pk=problem.pk).exists():
        raise ValidationError({"problem": "No such problem."})


def _normalise(contribution):
    """A known error is always proposed as a known-error article."""
    if contribution.kind == KnowledgeContribution.Kind.KNOWN_ERROR:
        contribution.article_type = Article.Type.KNOWN_ERROR


@transaction.atomic
def create_contribution(*, by, title: str, body: str, kind: str = KnowledgeContribution.Kind.ARTICLE,
                        article_type: str = Article.Type.HOW_TO, summary: str = "",
                        suggested_audience: str = Article.Audience.PROVIDERS, services=(),
                        problem=None) -> KnowledgeContribution:
    """Start a draft contribution for the provider `by` works for."""
    if not policy.may_contribute_knowledge(by):
        raise PermissionDenied("Only service providers contribute knowledge drafts.")
    _check_problem(by, problem)
    contribution = KnowledgeContribution(
        organisation_id=by.organisation_id, created_by=by, kind=kind, article_type=article_type,
        title=title.strip(), summary=summary.strip(), body=body.strip(),
        suggested_audience=suggested_audience, problem=problem)
    _normalise(contribution)
    contribution.save()
    contribution.services.set(services)
    contribution.transitions.create(from_status="", to_status=contribution.status, by=by,
                                    action="create", reason="Drafted")
    return contribution


@transaction.atomic
def update_contribution(*, contribution: KnowledgeContribution, by, changes: dict,
                        services=None) -> KnowledgeContribution:
    """Edit a draft (`changes`: field -> value; `services` replaces them if given)."""
    locked = KnowledgeContribution.objects.select_for_update().get(pk=contribution.pk)
    if not policy.may_take_contribution_action(by, locked, "submit"):
        raise PermissionDenied("You may not edit this contribution.")
    if not locked.is_editable:
        raise InvalidTransition(f"{locked.reference} is {locked.get_status_display().lower()}: "
                                "only a draft can be edited.")
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({name: "This field cannot be edited." for name in unknown})
    _check_problem(by, changes.get("problem"))
    for name, value in changes.items():
        setattr(locked, name, value.strip() if isinstance(value, str) else value)
    _normalise(locked)
    locked.save()
    if services is not None:
        locked.services.set(services)
    return locked


@transaction.atomic
def act_on_contribution(*, contribution: KnowledgeContribution, action: str, by, reason: str = "",
                        audience: str = "", audience_market_role: str = "",
                        publish: bool = False) -> KnowledgeContribution:
    """Take a lifecycle step: the provider submits or withdraws; the desk returns, declines or
    accepts. Accepting writes the article (published at once when `publish`) with the
    audience the desk chooses (the provider's suggestion by default)."""
    locked = KnowledgeContribution.objects.select_for_update().get(pk=contribution.pk)
    if not policy.may_take_contribution_action(by, locked, action):
        raise PermissionDenied("You may not do this to this contribution.")
    fields = []
    if action == "accept":
        locked.article = _write_article(locked, by=by, audience=audience or locked.suggested_audience,
                                        audience_market_role=audience_market_role,
                                        publish=publish)
        fields.append("article")
    row = locked.transition(action, by=by, reason=reason, update_fields=fields)
    if action == "submit":
        tell_coordinators(subject=f"Knowledge contribution to review: {locked.reference} "
                                  f"{locked.title} ({locked.organisation})",
                          template="knowledge/email/contribution", topic=CONTRIBUTION_TOPIC,
                          context={"contribution": locked, "transition": row})
    elif action in KnowledgeContribution.DESK_ACTIONS:
        subject = f"{locked.reference} {row.get_to_status_display().lower()}: {locked.title}"
        context = {"contribution": locked, "transition": row}
        if locked.created_by.is_system_account:  # drafted over the API: the organisation
            queue_email(to=[locked.organisation.contact_email], subject=subject,
                        template="knowledge/email/contribution", context=context,
                        topic=CONTRIBUTION_TOPIC)
        else:
            notify_users(users=[locked.created_by], topic=CONTRIBUTION_TOPIC, subject=subject,
                         template="knowledge/email/contribution", context=context)
    return locked


def _write_article(contribution, *, by, audience, audience_market_role, publish):
    if audience not in Article.Audience.values:
        raise ValidationError({"audience": f"'{audience}' is not an audience."})
    if (audience == Article.Audience.MARKET_ROLE) != bool(audience_market_role):
        raise ValidationError({"audience_market_role": "Name the market role for a one-role "
                                                       "audience (and only then)."})
    article = create_article(
        by=by, owner=by, article_type=contribution.article_type, title=contribution.title,
        summary=contribution.summary, body=contribution.body, audience=audience,
        audience_market_role=audience_market_role, services=contribution.services.all(),
        review_by=timezone.localdate() + timedelta(days=REVIEW_IN_DAYS),
        change_note=f"From {contribution.reference} by {contribution.organisation}")
    if publish:
        transition_article(article=article, action="submit", by=by)
        transition_article(article=article, action="publish", by=by)
    problem = contribution.problem
    if (problem is not None and contribution.kind == KnowledgeContribution.Kind.KNOWN_ERROR
            and problem.known_error_article_id is None):
        problem.known_error_article = article
        problem.save(update_fields=["known_error_article"])
    return article
