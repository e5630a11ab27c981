from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "vsm.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        from vsm.accounts import checks  # noqa: F401  (registers the system check)
