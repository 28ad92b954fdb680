"""时限规则 in the admin. Desk leads edit rules (through `sla_policy_update`, so the admin refuses what
the API refuses). Clocks and alerts are shown read-only by `supervision.admin`, with these mixins."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from heatdesk.accounts.models import Role
from heatdesk.core.errors import DomainError
from heatdesk.sla.models import SlaRule
from heatdesk.sla.services import sla_policy_update, sla_policy_validate


def _is_desk_lead(user: Any) -> bool:
    return bool(user.is_active and user.is_staff and getattr(user, "role", "") == Role.DESK_LEAD)


class DeskLeadViewsMixin:
    """Staff desk leads may view without per-model grants (they run the supervision board)."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _is_desk_lead(request.user) or super().has_module_permission(request)  # type: ignore[misc]

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_desk_lead(request.user) or super().has_view_permission(request, obj)  # type: ignore[misc]


class ReadOnlyAdmin(DeskLeadViewsMixin, admin.ModelAdmin):
    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class SlaRuleForm(forms.ModelForm):
    class Meta:
        model = SlaRule
        fields = ["seconds", "warn_at"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors:
            try:
                sla_policy_validate(rules=[self.rule()])
            except DomainError as error:
                raise forms.ValidationError(error.message, code=error.code) from error
        return data

    def rule(self) -> dict[str, Any]:
        return {
            "urgency": self.instance.urgency,
            "stage": self.instance.stage,
            "seconds": self.cleaned_data["seconds"],
            "warn_at": self.cleaned_data["warn_at"],
        }


@admin.register(SlaRule)
class SlaRuleAdmin(DeskLeadViewsMixin, admin.ModelAdmin):
    form = SlaRuleForm
    list_display = ("urgency", "stage", "seconds", "warn_at", "updated_at", "updated_by")
    list_filter = ("urgency", "stage")
    readonly_fields = ("urgency", "stage", "updated_at", "updated_by")
    fields = ("urgency", "stage", "seconds", "warn_at", "updated_at", "updated_by")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_desk_lead(request.user) or super().has_change_permission(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # the eight rules (urgency × stage) always exist

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: SlaRule, form: Any, change: bool) -> None:
        sla_policy_update(actor=request.user, rules=[form.rule()])  # type: ignore[arg-type]
