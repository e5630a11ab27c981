from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "vsm.accounts"
    label = "accounts"
    verbose_name = "Accounts"
