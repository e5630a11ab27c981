from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "vsm.demo"
    label = "demo"
    verbose_name = "Demo data"
