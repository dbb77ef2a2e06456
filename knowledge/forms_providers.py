"""Portal forms for providers' problem investigations and knowledge contributions."""

from django import forms

from changes.models import ChangeNotification
from kernel.attachments import POLICY
from services.models import Service

from .investigations import DEAD_CHANGE_STATUSES
from .models import KnowledgeContribution, Problem, ProviderInvestigation

TEXT = {"widget": forms.Textarea(attrs={"rows": 4}), "required": False, "max_length": 20000}


class InvestigationForm(forms.Form):
    status = forms.ChoiceField(
        required=False, choices=[("", "Keep the current status"),
                                 *ProviderInvestigation.Status.choices])
    findings = forms.CharField(label="Findings", **TEXT)
    root_cause = forms.CharField(label="Root cause", **TEXT)
    workaround = forms.CharField(label="Workaround", help_text="How users can get round the "
                                 "problem until it is fixed.", **TEXT)
    reason = forms.CharField(label="Note on the status change", required=False, max_length=2000)


class EvidenceForm(forms.Form):
    file = forms.FileField(help_text=POLICY.help_text)
    description = forms.CharField(required=False, max_length=200)


class ProposeChangeForm(forms.Form):
    change = forms.ModelChoiceField(queryset=ChangeNotification.objects.none(),
                                    label="Your change notification",
                                    help_text="Raise it under Schedule of change first.")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["change"].queryset = (ChangeNotification.objects.visible_to(user)
                                          .exclude(status__in=DEAD_CHANGE_STATUSES)
                                          .order_by("-created_at"))


class ContributionForm(forms.ModelForm):
    class Meta:
        model = KnowledgeContribution
        fields = ["kind", "article_type", "title", "summary", "body", "suggested_audience",
                  "services", "problem"]
        widgets = {"body": forms.Textarea(attrs={"rows": 12})}
        help_texts = {"kind": "A known error is always proposed as a known-error article."}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["services"].queryset = Service.objects.visible_to(user)
        self.fields["services"].required = False
        self.fields["problem"].queryset = Problem.objects.visible_to(user)
