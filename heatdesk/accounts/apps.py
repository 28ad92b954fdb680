from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "heatdesk.accounts"
    label = "accounts"
    verbose_name = "账号与角色"
