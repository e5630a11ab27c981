from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "vsm.notifications"
    label = "notifications"
    verbose_name = "Notifications"
