"""Console pages for problems: create from incidents, lifecycle, known errors, reports."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from accounts import policy
from accounts.admin_mixins import ConsoleAdmin, ReadOnlyInline
from accounts.models import Organisation
from changes.models import ChangeNotification
from incidents.models import Incident

from . import problems
from .errors import KnowledgeError
from .investigations import DEAD_CHANGE_STATUSES
from .models import Article, Problem, ProblemIncident, ProviderInvestigation


class ProviderInvestigationInline(ReadOnlyInline):
    model = ProviderInvestigation
    fields = ["provider", "role", "status", "findings", "root_cause", "workaround",
              "proposed_change", "updated_at"]


class ProblemIncidentInline(ProviderInvestigationInline):
    model = ProblemIncident
    fields = ["incident", "linked_by", "linked_at"]
    readonly_fields = fields


class FromIncidentsForm(forms.Form):
    incidents = forms.CharField(
        label="Incident references", widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One or more references, e.g. INC-000123 INC-000130 (spaces or commas).")
    title = forms.CharField(max_length=200)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}))
    owning_provider = forms.ModelChoiceField(queryset=Organisation.objects.providers())
    contributing_providers = forms.ModelMultipleChoiceField(
        queryset=Organisation.objects.providers(), required=False)

    def clean_incidents(self):
        references = [ref.strip().upper() for ref in
                      self.cleaned_data["incidents"].replace(",", " ").split() if ref.strip()]
        found = list(Incident.objects.filter(reference__in=references))
        missing = sorted(set(references) - {incident.reference for incident in found})
        if missing:
            raise forms.ValidationError(f"No such incident: {', '.join(missing)}.")
        if not found:
            raise forms.ValidationError("Give at least one incident reference.")
        return found


class AssignProviderForm(forms.Form):
    provider = forms.ModelChoiceField(queryset=Organisation.objects.providers(),
                                      help_text="It is emailed, and works its part in the portal "
                                                "or over the API.")
    note = forms.CharField(required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 3}),
                           help_text="What you would like this provider to look at.")


class FixingChangeForm(forms.Form):
    change = forms.ModelChoiceField(
        queryset=ChangeNotification.objects.exclude(status__in=DEAD_CHANGE_STATUSES)
        .order_by("-created_at"),
        help_text="The problem resolves once this change is implemented and verified.")


class KnownErrorForm(forms.Form):
    workaround = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}))
    root_cause = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    audience = forms.ChoiceField(choices=Article.Audience.choices, required=False,
                                 help_text="Publish a known-error article for this audience.")


@admin.register(Problem)
class ProblemAdmin(ConsoleAdmin):
    change_form_template = "knowledge/admin/problem_change_form.html"
    list_display = ["reference", "title", "status", "owning_provider", "created_at"]
    list_filter = ["status", "owning_provider", "services"]
    search_fields = ["title", "description", "root_cause", "workaround"]
    list_select_related = ["owning_provider"]
    autocomplete_fields = ["services"]
    fields = ["title", "description", "owning_provider", "services", "root_cause", "workaround",
              "known_error_article", "fixing_change", "status", "created_by", "created_at",
              "resolved_at", "closed_at"]
    # The fixing change is linked through its own page (problems.link_fixing_change), so
    # linking it always follows the change's outcome.
    readonly_fields = ["known_error_article", "fixing_change", "status", "created_by",
                       "created_at", "resolved_at", "closed_at"]
    inlines = [ProviderInvestigationInline, ProblemIncidentInline]

    def workspace_url(self, obj):
        return reverse("admin:workspace_record", args=["problem", obj.pk])

    def get_queryset(self, request):
        return Problem.objects.visible_to(request.user) if policy.may_use_console(
            request.user) else Problem.objects.none()

    def has_add_permission(self, request):
        return False  # problems start from incidents (see the "from incidents" page)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("from-incidents/", view(self.from_incidents_view),
                 name="knowledge_problem_from_incidents"),
            path("<int:pk>/transition/", view(require_POST(self.transition_view)),
                 name="knowledge_problem_transition"),
            path("<int:pk>/known-error/", view(self.known_error_view),
                 name="knowledge_problem_known_error"),
            path("<int:pk>/assign-provider/", view(self.assign_provider_view),
                 name="knowledge_problem_assign_provider"),
            path("<int:pk>/fixing-change/", view(self.fixing_change_view),
                 name="knowledge_problem_fixing_change"),
            path("report/", view(self.report_view), name="knowledge_problem_report"),
            path("incident/<int:incident_pk>/known-errors/", view(self.known_errors_for_view),
                 name="knowledge_incident_known_errors"),
            *super().get_urls(),
        ]

    def _context(self, request, title, **extra):
        return {**self.admin_site.each_context(request), "opts": self.opts, "title": title,
                **extra}

    def from_incidents_view(self, request):
        """Create a problem from a selection of incidents (?incidents=INC-1,INC-2 pre-fills)."""
        if not policy.may_author_knowledge(request.user):
            raise PermissionDenied
        if request.method == "POST":
            form = FromIncidentsForm(request.POST)
            if form.is_valid():
                data = form.cleaned_data
                problem = problems.create_problem(
                    title=data["title"], description=data["description"],
                    owning_provider=data["owning_provider"],
                    contributing_providers=data["contributing_providers"],
                    incidents=data["incidents"], by=request.user)
                messages.success(request, f"{problem.reference} created.")
                return HttpResponseRedirect(self.workspace_url(problem))
        else:
            form = FromIncidentsForm(initial={"incidents": request.GET.get("incidents", "")})
        return TemplateResponse(request, "knowledge/admin/problem_form.html",
                                self._context(request, "New problem from incidents", form=form))

    def _problem_or_404(self, request, pk):
        problem = self.get_queryset(request).filter(pk=pk).first()
        if problem is None:
            raise Http404
        return problem

    def transition_view(self, request, pk):
        problem = self._problem_or_404(request, pk)
        if not policy.may_author_knowledge(request.user):
            raise PermissionDenied
        try:
            row = problems.transition_problem(problem=problem, action=request.POST.get("action"),
                                              by=request.user,
                                              reason=request.POST.get("reason", "")[:4000])
            messages.success(request, f"{problem.reference} is now "
                                      f"{row.get_to_status_display()}.")
        except KnowledgeError as exc:
            messages.error(request, str(exc))
        return HttpResponseRedirect(reverse("admin:knowledge_problem_change", args=[pk]))

    def known_error_view(self, request, pk):
        """Record the workaround, make it a known error, optionally publish an article."""
        problem = self._problem_or_404(request, pk)
        if not policy.may_author_knowledge(request.user):
            raise PermissionDenied
        form = KnownErrorForm(request.POST or None,
                              initial={"workaround": problem.workaround,
                                       "root_cause": problem.root_cause})
        if request.method == "POST" and form.is_valid():
            try:
                problems.record_known_error(problem=problem, by=request.user,
                                            workaround=form.cleaned_data["workaround"],
                                            root_cause=form.cleaned_data["root_cause"])
                if form.cleaned_data["audience"]:
                    problems.publish_known_error_article(
                        problem=problem, by=request.user, audience=form.cleaned_data["audience"])
            except KnowledgeError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, f"{problem.reference} is a known error.")
                return HttpResponseRedirect(self.workspace_url(problem))
        return TemplateResponse(request, "knowledge/admin/problem_form.html", self._context(
            request, f"Known error: {problem.reference}", form=form, problem=problem))

    def assign_provider_view(self, request, pk):
        """Ask one more provider to investigate its part of the problem (it is emailed)."""
        problem = self._problem_or_404(request, pk)
        if not policy.may_coordinate_problems(request.user):
            raise PermissionDenied
        form = AssignProviderForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                investigation = problems.assign_investigation(
                    problem=problem, provider=form.cleaned_data["provider"], by=request.user,
                    note=form.cleaned_data["note"])
            except KnowledgeError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, f"{investigation.provider} is investigating "
                                          f"{problem.reference}.")
                return HttpResponseRedirect(
                    reverse("admin:knowledge_problem_change", args=[pk]))
        return TemplateResponse(request, "knowledge/admin/problem_form.html", self._context(
            request, f"Ask a provider to investigate {problem.reference}", form=form,
            problem=problem))

    def fixing_change_view(self, request, pk):
        """Choose the change notification that fixes the problem (providers' proposals first)."""
        problem = self._problem_or_404(request, pk)
        if not policy.may_coordinate_problems(request.user):
            raise PermissionDenied
        proposed = problem.provider_tasks.exclude(proposed_change=None).values_list(
            "proposed_change", flat=True).first()
        form = FixingChangeForm(request.POST or None, initial={
            "change": problem.fixing_change_id or proposed})
        if request.method == "POST" and form.is_valid():
            try:
                problems.link_fixing_change(problem=problem, by=request.user,
                                            change_notification=form.cleaned_data["change"])
            except KnowledgeError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, f"{form.cleaned_data['change'].reference} is the fix "
                                          f"for {problem.reference}.")
                return HttpResponseRedirect(
                    reverse("admin:knowledge_problem_change", args=[pk]))
        return TemplateResponse(request, "knowledge/admin/problem_form.html", self._context(
            request, f"Fixing change for {problem.reference}", form=form, problem=problem))

    def report_view(self, request):
        """Open problems by provider and age; incidents (and workaround uses) per problem."""
        visible = self.get_queryset(request)
        return TemplateResponse(request, "knowledge/admin/problem_report.html", self._context(
            request, "Problem report",
            by_provider=visible.open_by_provider_and_age(),
            per_problem=visible.with_incident_counts().select_related("owning_provider")
            .order_by("-incident_count")[:100]))

    def known_errors_for_view(self, request, incident_pk):
        """Show the known errors matching an incident; POST applies one's workaround.

        The incidents console links here for each new incident.
        """
        incident = Incident.objects.visible_to(request.user).filter(pk=incident_pk).first()
        if incident is None:
            raise Http404
        if request.method == "POST":
            if not policy.may_author_knowledge(request.user):
                raise PermissionDenied
            raw_id = request.POST.get("article", "")
            article = Article.objects.visible_to(request.user).filter(
                pk=int(raw_id)).first() if raw_id.isdigit() else None
            try:
                if article is None:
                    raise KnowledgeError("Choose a known error to apply.")
                problems.apply_workaround(incident=incident, article=article, by=request.user)
            except KnowledgeError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, f"Workaround {article.reference} sent to the raiser "
                                          f"of {incident.reference}.")
            return HttpResponseRedirect(request.path)
        return TemplateResponse(request, "knowledge/admin/incident_known_errors.html",
                                self._context(
                                    request, f"Known errors for {incident.reference}",
                                    incident=incident,
                                    matches=problems.matching_known_errors(incident=incident,
                                                                           user=request.user),
                                    may_apply=policy.may_author_knowledge(request.user)))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        problem = self.get_queryset(request).filter(pk=object_id).first()
        if problem is not None and policy.may_author_knowledge(request.user):
            extra_context["problem_actions"] = [
                (action, Problem.ACTION_LABELS[action]) for action in problem.allowed_actions()]
        if problem is not None:
            # Switching Operations co-ordinate every provider's part here (s.9.7).
            extra_context["investigations"] = (
                problem.provider_tasks.select_related("provider", "proposed_change")
                .prefetch_related("evidence"))
        return super().change_view(request, object_id, form_url, extra_context)
