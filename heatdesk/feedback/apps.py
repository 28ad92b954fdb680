from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "heatdesk.feedback"
    label = "feedback"
    verbose_name = "回访与评价"
