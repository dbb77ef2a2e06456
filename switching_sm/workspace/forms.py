"""The incident workspace's own small forms (the rest are incidents.console_forms).

Each names its action, runs one service in `perform(incident=, by=)` and says what
changed in `done(incident, result)`.
"""

from django import forms

from accounts import policy
from accounts.models import Organisation
from incidents import console_forms, services
from incidents.errors import NotAllowed
from incidents.models import Status
from knowledge import problems
from knowledge.errors import KnowledgeError
from knowledge.models import Article

# Moves that end the work on an incident: the button asks for a tick before it acts.
CONFIRM_MOVES = {Status.RESOLVED: "resolve", Status.CANCELLED: "cancel",
                 Status.CLOSED: "close"}


class MoveForm(console_forms.TransitionAction):
    """One lifecycle move; the final ones need `confirm` ticked."""

    confirm = forms.BooleanField(required=False)

    def clean(self):
        data = super().clean()
        verb = CONFIRM_MOVES.get(data.get("to"))
        if verb and not data.get("confirm"):
            raise forms.ValidationError(f"Tick the box to confirm: {verb} the incident.")
        return data


class TakeForm(console_forms.ConsoleAction):
    """Make the signed-in agent the incident's assignee."""

    def perform(self, *, incident, by):
        if not policy.may_edit_incident_details(by, incident):
            raise NotAllowed("You may not take this incident.")
        return services.update_details(incident=incident, by=by, assignee=by)

    def done(self, incident, result):
        return f"{incident.reference} is now assigned to you."


class CreateProblemForm(console_forms.ConsoleAction):
    """Open a problem for this incident's cause, owned by one provider."""

    title = forms.CharField(max_length=200, error_messages={
        "required": "Give the problem a title."})
    owning_provider = forms.ModelChoiceField(
        queryset=Organisation.objects.providers().filter(is_active=True), error_messages={
            "required": "Choose the provider who owns the investigation.",
            "invalid_choice": "That is not an active CDS provider."})

    def perform(self, *, incident, by):
        if not policy.may_author_knowledge(by):
            raise NotAllowed("You may not record problems.")
        data = self.cleaned_data
        return problems.create_problem(title=data["title"], owning_provider=data["owning_provider"],
                                       by=by, incidents=[incident])

    def done(self, incident, problem):
        return (f"{problem.reference} created from {incident.reference}; "
                f"{problem.owning_provider.name} investigates.")


class ApplyWorkaroundForm(console_forms.ConsoleAction):
    """Send a published known error's workaround to the raiser and link its problem."""

    article = forms.ModelChoiceField(
        queryset=Article.objects.filter(article_type=Article.Type.KNOWN_ERROR), error_messages={
            "required": "Choose a known error to apply.",
            "invalid_choice": "That is not a known error."})

    def perform(self, *, incident, by):
        if not policy.may_author_knowledge(by):
            raise NotAllowed("You may not apply workarounds.")
        return problems.apply_workaround(incident=incident, article=self.cleaned_data["article"],
                                         by=by)

    def done(self, incident, application):
        return (f"Workaround {application.article.reference} applied to {incident.reference} "
                "and sent to the raiser.")


# The incident workspace's actions by the name in their URL.
ACTIONS = {
    **console_forms.WORKSPACE_ACTIONS,
    "move": MoveForm, "take": TakeForm, "create-problem": CreateProblemForm,
    "apply-workaround": ApplyWorkaroundForm,
}
ACTION_ERRORS = (KnowledgeError,)  # besides IncidentError: the knowledge services' refusals
