from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "heatdesk.audit"
    label = "audit"
    verbose_name = "访问审计"
