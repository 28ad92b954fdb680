from django.contrib import admin

from heatdesk.sla.models import SlaRule


@admin.register(SlaRule)
class SlaRuleAdmin(admin.ModelAdmin):
    list_display = ("urgency", "stage", "seconds", "warn_at", "updated_at")
    list_filter = ("urgency", "stage")
