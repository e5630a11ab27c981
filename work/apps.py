from django.apps import AppConfig


class WorkConfig(AppConfig):
    """My work: everything waiting on one person, gathered from the other apps' selectors and
    decided through their services. No models of its own."""

    name = "work"
    verbose_name = "My work"
