from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "heatdesk.feedback"
    verbose_name = "市民反馈 Citizens"
