"""Portal and console forms of the knowledge app."""

from django import forms

from accounts import policy
from services.models import Service

from .models import Article, ArticleAttachment
from .search import MAX_QUERY_LENGTH


class SearchForm(forms.Form):
    q = forms.CharField(label="Search knowledge", max_length=MAX_QUERY_LENGTH, required=False,
                        help_text="For example: switch rejected address mismatch")
    type = forms.ChoiceField(label="Type", required=False,
                             choices=[("", "Any type"), *Article.Type.choices])
    service = forms.ChoiceField(label="Service", required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        services = Service.objects.visible_to(user) if user and user.is_authenticated \
            else Service.objects.public()
        self.fields["service"].choices = [("", "Any service"),
                                          *services.values_list("code", "name")]


class HelpfulForm(forms.Form):
    helpful = forms.TypedChoiceField(choices=[("yes", "Yes"), ("no", "No")],
                                     coerce=lambda value: value == "yes")


class ProblemReportForm(forms.Form):
    description = forms.CharField(
        label="What is wrong with this article?", min_length=10, max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Say what is wrong, missing or out of date. The article's owner will follow up.",
    )


class TransitionForm(forms.Form):
    reason = forms.CharField(label="Comment", required=False, max_length=4000,
                             widget=forms.Textarea(attrs={"rows": 3}))


class ArticleAdminForm(forms.ModelForm):
    change_note = forms.CharField(
        required=False, max_length=300,
        help_text="What changed in this version (shown in the version history).",
    )

    class Meta:
        model = Article
        fields = ["title", "summary", "body", "article_type", "audience", "audience_market_role",
                  "services", "owner", "review_by"]
        widgets = {"body": forms.Textarea(attrs={"rows": 24, "class": "vLargeTextField"})}

    def clean(self):
        cleaned = super().clean()
        audience = cleaned.get("audience")
        role = cleaned.get("audience_market_role")
        if audience == Article.Audience.MARKET_ROLE and not role:
            self.add_error("audience_market_role", "Choose the market role this article is for.")
        if audience != Article.Audience.MARKET_ROLE and role:
            self.add_error("audience_market_role",
                           "A market role is only used with the 'one market role' audience.")
        owner = cleaned.get("owner")
        if owner is not None:
            if not policy.may_author_knowledge(owner):
                self.add_error("owner", "The owner must be a desk or Switching Operations user.")
        return cleaned


class AttachmentForm(forms.ModelForm):
    class Meta:
        model = ArticleAttachment
        fields = ["title", "file"]

    def clean_file(self):
        """Refuse a new file the attachment policy does not accept (a kept file stays)."""
        upload = self.cleaned_data["file"]
        if "file" in self.changed_data:
            ArticleAttachment.policy.content_type(upload)
        return upload
