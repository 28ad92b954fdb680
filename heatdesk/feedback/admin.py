"""Desk leads edit the SMS templates and opt-outs here; the sent SMS are read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from heatdesk.accounts.models import Role
from heatdesk.feedback.models import SmsMessage, SmsOptOut, SmsTemplate
from heatdesk.feedback.sms import DEFAULT_TEMPLATES


def _is_desk_lead(user: Any) -> bool:
    return bool(user.is_active and user.is_staff and getattr(user, "role", "") == Role.DESK_LEAD)


class DeskLeadEdits:
    """Staff desk leads may view, add and change without per-model grants; others need them."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _is_desk_lead(request.user) or super().has_module_permission(request)  # type: ignore[misc]

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_desk_lead(request.user) or super().has_view_permission(request, obj)  # type: ignore[misc]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return _is_desk_lead(request.user) or super().has_add_permission(request, *args)  # type: ignore[misc]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_desk_lead(request.user) or super().has_change_permission(request, obj)  # type: ignore[misc]


@admin.register(SmsTemplate)
class SmsTemplateAdmin(DeskLeadEdits, admin.ModelAdmin):
    list_display = ("kind", "text", "provider_template", "updated_at")

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        kind = request.GET.get("kind", "received")
        return {"kind": kind, "text": DEFAULT_TEMPLATES.get(kind, "")}


@admin.register(SmsOptOut)
class SmsOptOutAdmin(DeskLeadEdits, admin.ModelAdmin):
    list_display = ("phone", "ticket", "note", "created_at")
    raw_id_fields = ("ticket",)
    search_fields = ("phone", "ticket__number")


@admin.register(SmsMessage)
class SmsMessageAdmin(admin.ModelAdmin):
    list_display = ("created_at", "ticket", "kind", "status", "attempts", "next_attempt_at", "sent_at")
    list_filter = ("status", "kind")
    search_fields = ("ticket__number",)
    readonly_fields = [f.name for f in SmsMessage._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
