"""Portal pages of the knowledge base: home, search, articles, feedback, suggestions.

Home, search and article pages are open to anonymous visitors, who see
public articles only; everything is filtered by Article.objects.visible_to.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts import policy
from kernel.attachments import serve
from services.models import Service

from . import services as knowledge_services
from .forms import HelpfulForm, ProblemReportForm, SearchForm
from .models import Article, ArticleFeedback
from .search import MAX_QUERY_LENGTH, MIN_SUGGEST_LENGTH, search_articles, with_snippets

RESULTS_PER_PAGE = 25
SUGGESTIONS = 5


def _services_for(user):
    """Return the services `user` may see named: the catalogue, or public ones when signed out."""
    return Service.objects.visible_to(user) if user.is_authenticated else Service.objects.public()


def home(request):
    """Knowledge home: browse by type and by service, and the latest articles."""
    articles = Article.objects.visible_to(request.user)
    by_type = {row["article_type"]: row["n"]
               for row in articles.values("article_type").annotate(n=Count("pk"))}
    types = [{"value": value, "label": label, "count": by_type.get(value, 0)}
             for value, label in Article.Type.choices]
    services = (_services_for(request.user).filter(knowledge_articles__in=articles)
                .annotate(n=Count("knowledge_articles", distinct=True)).order_by("name"))
    recent = articles.select_related("published_version").order_by("-published_at")[:10]
    return render(request, "knowledge/home.html", {
        "types": types, "services": services, "recent": recent,
        "search_form": SearchForm(user=request.user),
        "provider_work": policy.is_provider(request.user),
    })


@require_GET
def search(request):
    """Search page: ranked results with highlighted snippets, or browse by type/service."""
    form = SearchForm(request.GET or None, user=request.user)
    results, status = [], 200
    if form.is_bound and form.is_valid():
        text = form.cleaned_data["q"]
        article_type = form.cleaned_data["type"]
        service_code = form.cleaned_data["service"]
        if text:
            found = search_articles(user=request.user, text=text, article_type=article_type,
                                    service_code=service_code)
            results = with_snippets(found[:RESULTS_PER_PAGE], text)
        else:  # browsing a type or service: newest first, summaries as snippets
            browse = Article.objects.visible_to(request.user).select_related("published_version")
            if article_type:
                browse = browse.filter(article_type=article_type)
            if service_code:
                browse = browse.filter(services__code=service_code)
            results = list(browse.order_by("-published_at")[:RESULTS_PER_PAGE])
    elif form.is_bound:
        status = 400
    return render(request, "knowledge/search.html", {"form": form, "results": results},
                  status=status)


def _visible_article(request, pk):
    return get_object_or_404(
        Article.objects.visible_to(request.user).select_related("published_version"), pk=pk
    )


def _article_context(request, article, **extra):
    votes = article.feedback.aggregate(yes=Count("pk", filter=Q(helpful=True)),
                                       no=Count("pk", filter=Q(helpful=False)))
    mine = None
    if request.user.is_authenticated:
        mine = ArticleFeedback.objects.filter(article=article, user=request.user).first()
    from_suggestion = request.GET.get("from") == "suggestion"
    return {
        "article": article,
        "version": article.published_version,
        "services": _services_for(request.user).filter(knowledge_articles=article),
        "attachments": article.attachments.all(),
        "votes": votes,
        "my_feedback": mine,
        "may_give_feedback": policy.may_give_knowledge_feedback(request.user),
        "report_form": ProblemReportForm(),
        "record_deflection": from_suggestion and policy.is_participant(request.user),
        "suggestion_query": request.GET.get("q", "")[:MAX_QUERY_LENGTH],
        **extra,
    }


def article_detail(request, pk):
    article = _visible_article(request, pk)
    return render(request, "knowledge/article.html", _article_context(request, article))


@login_required
@require_POST
def give_feedback(request, pk):
    """Record "was this helpful"."""
    article = _visible_article(request, pk)
    if not policy.may_give_knowledge_feedback(request.user):
        raise Http404
    form = HelpfulForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose yes or no.")
        return redirect(article.get_absolute_url())
    knowledge_services.record_feedback(article=article, user=request.user,
                                       helpful=form.cleaned_data["helpful"])
    messages.success(request, "Thank you for your feedback.")
    return redirect(article.get_absolute_url())


@login_required
@require_POST
def report_problem(request, pk):
    """Report a problem with the article: a task for its owner."""
    article = _visible_article(request, pk)
    if not policy.may_give_knowledge_feedback(request.user):
        raise Http404
    form = ProblemReportForm(request.POST)
    if not form.is_valid():
        context = _article_context(request, article, report_form=form)
        return render(request, "knowledge/article.html", context, status=400)
    knowledge_services.report_problem(article=article, user=request.user,
                                      description=form.cleaned_data["description"])
    messages.success(request, "Thank you. The article's owner has been asked to look at it.")
    return redirect(article.get_absolute_url())


def attachment(request, pk, attachment_pk):
    """Serve an attachment to readers who may see its article (always as a download)."""
    article = _visible_article(request, pk)
    return serve(get_object_or_404(article.attachments, pk=attachment_pk), request.user)


def _bad_request(message):
    return JsonResponse({"error": {"status": 400, "code": "invalid", "message": message}},
                        status=400)


@require_GET
def suggest(request):
    """Return JSON suggestions for what a participant is typing (the incident form calls it)."""
    if "q" not in request.GET:
        return _bad_request("Give the text typed so far as ?q=.")
    text = request.GET["q"].strip()
    if len(text) > MAX_QUERY_LENGTH:
        return _bad_request(f"?q= must be at most {MAX_QUERY_LENGTH} characters.")
    if len(text) < MIN_SUGGEST_LENGTH:
        return JsonResponse({"query": text, "results": []})
    found = search_articles(user=request.user, text=text, match_any=True)[:SUGGESTIONS]
    link_query = urlencode({"from": "suggestion", "q": text})
    results = [
        {"id": article.pk, "reference": article.reference,
         "title": article.published_version.title,
         "type": article.get_article_type_display(),
         "url": f"{article.get_absolute_url()}?{link_query}",
         "snippet": str(article.snippet)}
        for article in with_snippets(found, text)
    ]
    return JsonResponse({"query": text, "results": results})


@login_required
@require_POST
def record_deflection(request, pk):
    """Record that a participant opened this article from a suggestion (the page calls it)."""
    article = _visible_article(request, pk)
    query = request.POST.get("q", "")
    if len(query) > MAX_QUERY_LENGTH:
        return _bad_request(f"q must be at most {MAX_QUERY_LENGTH} characters.")
    event = knowledge_services.record_deflection_view(article=article, user=request.user,
                                                      query=query)
    if event is None:
        return JsonResponse({"recorded": False})
    return JsonResponse({"recorded": True, "id": event.pk}, status=201)

