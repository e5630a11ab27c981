from django import forms

from integrations.models import Connection


class RepositorySourceForm(forms.Form):
    connection = forms.ModelChoiceField(
        queryset=Connection.objects.filter(kind__in=("github", "gitlab"), is_active=True).order_by("name"),
        help_text="a GitHub or GitLab connection whose push webhooks reach Sluice")
    repository = forms.CharField(max_length=200, help_text="GitHub: owner/name; GitLab: the project's path")
    path = forms.CharField(max_length=300, initial="sluice.yaml")
    branch = forms.CharField(max_length=200, initial="main")
    apply_on_push = forms.BooleanField(required=False, initial=True,
                                       help_text="off: a push is only planned and a person applies it")
