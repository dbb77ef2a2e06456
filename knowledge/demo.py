"""Demo knowledge base: realistic articles for every type and audience.

Idempotent: an article is matched by its title and left alone if it exists
(versions are immutable, so re-running never rewrites history).
"""

from datetime import timedelta

from django.utils import timezone

from accounts.models import Organisation, User
from services.models import Service

from . import contributions, problems, services
from .models import Article, KnowledgeContribution, Problem

T, A = Article.Type, Article.Audience

ADDRESS_MISMATCH = """\
## Symptom
The CSS rejects a switch request with **rejection reason: address mismatch** even though the
premises address is correct in your own system.

## Cause
The CSS validates the request against the **Retail Energy Location (REL)** address held by
the CSS Address Service. Differences in flat numbering ("Flat 2" against "2"), building names
or postcodes cause a mismatch.

## Workaround
1. Look up the REL address for the MPxN in the CSS Address Service.
2. Copy the REL address **exactly**, including flat and building names.
3. Resubmit the switch request. The original request does not need cancelling.

If the REL address itself is wrong, raise a *data correction* request with the CSS provider;
do not raise an incident unless more than 20 requests a day are affected.
"""

UK_LINK_CODES = """\
UK Link sends a rejection file when it cannot process a gas registration flow.
Each rejection carries a code:

| Code | Meaning | What to do |
|---|---|---|
| MPR00001 | Supply point not found | Check the MPRN in DES, then resubmit |
| MPR00004 | Registration already pending | Wait for the pending switch to complete |
| MPR00012 | Confirmation effective date invalid | Use a date at least 5 working days ahead |
| MPR00020 | Shipper not authorised | Check your shipper short code with Xoserve |

## Reading the file
The code is in field 7 of each `REJ` record. Several codes on one record mean every check
failed; fix them all before resubmitting.
"""

PLANNED_OUTAGES = """\
**How much notice do we get?** Providers must notify planned outages at least ten working
days ahead. The Switching Service Desk publishes them on the status page and in the forward
schedule of change.

**Will switches be lost?** No. Requests sent while a service is down are queued and
processed when it returns, unless the notice says otherwise.

**How do I hear about them?** Subscribe to service notifications in your portal profile.
"""

ARTICLES = [
    dict(title="CSS switch request rejected for address mismatch", article_type=T.KNOWN_ERROR,
         audience=A.PARTICIPANTS, services=["css-registration", "css-address"],
         summary="Resubmit with the REL address copied exactly; no incident needed.",
         body=ADDRESS_MISMATCH),
    dict(title="How to read a UK Link rejection code", article_type=T.HOW_TO,
         audience=A.PARTICIPANTS, services=["uk-link"],
         summary="What each MPR rejection code means and what to do about it.",
         body=UK_LINK_CODES),
    dict(title="FAQ: planned outages of central switching services", article_type=T.FAQ,
         audience=A.PUBLIC, services=["css-registration", "uk-link", "ecoes", "dcc-dsp"],
         summary="Notice periods, what happens to switches, and how you are told.",
         body=PLANNED_OUTAGES),
    dict(title="CSS Registration Service: hours and gate closure", article_type=T.SERVICE_INFO,
         audience=A.PUBLIC, services=["css-registration"],
         summary="The CSS runs 24x7; next-day switches close at 17:00 UK time.",
         body="The CSS Registration Service is available **24 hours a day, 7 days a week**.\n\n"
              "Requests secured before **17:00 UK time** on a working day can switch the next "
              "day. Later requests switch the working day after."),
    dict(title="ECOES returns no MPAN for a new connection", article_type=T.KNOWN_ERROR,
         audience=A.PARTICIPANTS, services=["ecoes"],
         summary="New connections appear in ECOES up to two working days after energisation.",
         body="## Workaround\nWait two working days after the MPAS registration, then search "
              "again by MPAN rather than by address. If it is still missing, raise an incident "
              "against ECOES with the MPAN and the energisation date."),
    dict(title="How to choose the severity when raising an incident", article_type=T.HOW_TO,
         audience=A.PARTICIPANTS, services=["switching-portal"],
         summary="Severity 1 to 4, with examples, so the desk responds in time.",
         body="* **Severity 1**: many participants cannot switch at all.\n"
              "* **Severity 2**: a live service is degraded for several participants.\n"
              "* **Severity 3**: only you are affected, and a workaround reduces the impact.\n"
              "* **Severity 4**: minor impact, e.g. a report is late.\n\n"
              "The desk may change the severity after triage and will tell you why."),
    dict(title="DCC secured switch notifications delayed after CSS gate closure",
         article_type=T.KNOWN_ERROR, audience=A.MARKET_ROLE,
         audience_market_role="energy_supplier", services=["dcc-dsp"],
         summary="Smart meter switches may lag by up to 4 hours on busy days.",
         body="On days with more than 40 000 switches the DCC DSP can take up to four hours to "
              "process secured notifications. **Workaround:** do not resend; the notification "
              "is queued. Raise an incident only if it is more than 24 hours late."),
    dict(title="How to submit a change notification through the API", article_type=T.HOW_TO,
         audience=A.PROVIDERS, services=["switching-portal"],
         summary="POST /api/v1/changes/ with your organisation token.",
         body="1. Create a token in the portal (organisation administrators).\n"
              "2. `POST /api/v1/changes/` with the title, window and impacted services.\n"
              "3. Submit it; Change Co-ordination assesses it within five working days."),
    dict(title="Desk runbook: spike in CSS address mismatch rejections",
         article_type=T.KNOWN_ERROR, audience=A.INTERNAL,
         services=["css-registration", "css-address"],
         summary="When more than 20 participants report it within an hour.",
         body="1. Check the CSS Address Service status and the last REL load time.\n"
              "2. If the REL load failed, raise a severity 2 incident against the CSS provider "
              "and link the known error article.\n3. Post a status bulletin for participants."),
    dict(title="What the Switching Service Desk does", article_type=T.FAQ, audience=A.PUBLIC,
         services=[], summary="24x7 first line support for the switching arrangements.",
         body="The Switching Service Desk records and triages incidents, service requests and "
              "change notifications for every central switching service, 24 hours a day."),
]


def seed(stdout):
    owner = User.objects.get(username="desk")
    reviewer = User.objects.filter(username="ops").first() or owner
    today = timezone.localdate()
    created = 0
    for index, row in enumerate(ARTICLES):
        if Article.objects.filter(title=row["title"]).exists():
            continue
        service_codes = row.pop("services")
        row = {**row, "services": Service.objects.filter(code__in=service_codes)}
        article = services.create_article(
            by=owner, owner=owner, review_by=today + timedelta(days=30 + 20 * index), **row)
        services.transition_article(article=article, action="submit", by=owner)
        services.transition_article(article=article, action="publish", by=reviewer)
        created += 1
    created += _seed_lifecycle_examples(owner, reviewer, today)
    problems_created = _seed_provider_problem(owner)
    stdout.write(f"knowledge: {created} articles, {problems_created} problems created")


def _seed_provider_problem(desk):
    """A problem handed to Xoserve (owner) and Gemserv, with a draft contribution from
    Xoserve, so a provider's portal pages and API have something to show."""
    title = "UK Link rejects gas confirmations with MPR00012"
    xoserve = Organisation.objects.filter(short_code="xoserve").first()
    gemserv = Organisation.objects.filter(short_code="gemserv").first()
    if xoserve is None or Problem.objects.filter(title=title).exists():
        return 0
    problem = problems.create_problem(
        title=title, owning_provider=xoserve, by=desk,
        contributing_providers=[gemserv] if gemserv else [],
        description="Confirmations for supply points with an effective date within five "
                    "working days are rejected.", services=Service.objects.filter(code="uk-link"))
    problems.transition_problem(problem=problem, action="investigate", by=desk)
    author = User.objects.filter(organisation=xoserve, is_system_account=False).first()
    if author is not None:
        contributions.create_contribution(
            by=author, kind=KnowledgeContribution.Kind.KNOWN_ERROR, problem=problem,
            title="MPR00012: effective date too soon", suggested_audience=A.PARTICIPANTS,
            body="Resubmit the confirmation with an effective date five working days ahead.")
    return 1


def _seed_lifecycle_examples(owner, reviewer, today):
    """An article in review (with two versions) and one past its review date."""
    created = 0
    title = "Switching gas supply points during the gas day cut-off"
    if not Article.objects.filter(title=title).exists():
        article = services.create_article(
            by=owner, owner=owner, title=title, article_type=T.HOW_TO, audience=A.PARTICIPANTS,
            review_by=today + timedelta(days=180), services=Service.objects.filter(code="uk-link"),
            body="Requests after 05:00 apply to the next gas day.")
        article.body += "\n\nThe gas day runs from 05:00 to 05:00 UK time."
        services.save_article(article=article, by=owner, changed_fields=["body"],
                              change_note="Explain the gas day")
        services.transition_article(article=article, action="submit", by=owner)
        created += 1
    title = "Old: switching by fax (withdrawn process)"
    if not Article.objects.filter(title=title).exists():
        article = services.create_article(
            by=owner, owner=owner, title=title, article_type=T.HOW_TO, audience=A.PARTICIPANTS,
            review_by=today - timedelta(days=10), body="Fax the form to the desk.")
        services.transition_article(article=article, action="submit", by=owner)
        services.transition_article(article=article, action="publish", by=reviewer)
        created += 1
    return created
