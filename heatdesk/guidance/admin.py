"""Desk leads edit guidance scripts here (DESIGN §1). Saving goes through the guidance services, so the
admin refuses (as form errors) exactly what the services refuse."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db import models
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from heatdesk.core.errors import ValidationFailed
from heatdesk.guidance.models import GuidanceScript, GuidanceStep
from heatdesk.guidance.services import guidance_script_save, guidance_steps_validate

# The accounts role code of a desk lead (专席负责人). Guidance sits below accounts, so it names the code
# rather than importing accounts.Role.
DESK_LEAD_ROLE = "desk_lead"
STEP_FIELDS = ("order", "code", "question", "hint", "yes_next", "no_next", "advice")


def _is_desk_lead(user: Any) -> bool:
    return bool(user.is_active and user.is_staff and getattr(user, "role", "") == DESK_LEAD_ROLE)


class DeskLeadEditsMixin:
    """Staff desk leads may view, add and change scripts without per-model grants; others need them."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _is_desk_lead(request.user) or super().has_module_permission(request)  # type: ignore[misc]

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_desk_lead(request.user) or super().has_view_permission(request, obj)  # type: ignore[misc]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return _is_desk_lead(request.user) or super().has_add_permission(request, *args)  # type: ignore[misc]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_desk_lead(request.user) or super().has_change_permission(request, obj)  # type: ignore[misc]


class GuidanceStepFormSet(BaseInlineFormSet):
    """Checks the steps as one script, with the same rules as the services."""

    def step_dicts(self) -> list[dict[str, Any]]:
        return [
            {name: form.cleaned_data.get(name) for name in STEP_FIELDS}
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE", False)
        ]

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        try:
            guidance_steps_validate(steps=self.step_dicts())
        except ValidationFailed as error:
            raise forms.ValidationError(error.message, code=error.code) from error


class GuidanceStepInline(DeskLeadEditsMixin, admin.StackedInline):
    model = GuidanceStep
    formset = GuidanceStepFormSet
    extra = 0
    min_num = 1
    ordering = ("order",)
    fields = (("order", "code"), "question", "hint", ("yes_next", "no_next"), "advice")
    formfield_overrides = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 3, "cols": 80})}}

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Removing a step is part of editing the script.
        return _is_desk_lead(request.user) or super().has_delete_permission(request, obj)


@admin.register(GuidanceScript)
class GuidanceScriptAdmin(DeskLeadEditsMixin, admin.ModelAdmin):
    list_display = ("category", "title", "is_active", "version", "step_count", "updated_at")
    list_filter = ("is_active", "category")
    search_fields = ("title", "intro", "steps__question")
    fields = ("category", "title", "intro", "is_active", "version", "updated_at")
    readonly_fields = ("version", "updated_at")
    inlines = [GuidanceStepInline]

    @admin.display(description=_("步骤数"))
    def step_count(self, script: GuidanceScript) -> int:
        return script.steps.count()

    def save_model(self, request: HttpRequest, obj: GuidanceScript, form: Any, change: bool) -> None:
        # Written together with its steps in save_related, through the service.
        pass

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        step_formset = next(formset for formset in formsets if isinstance(formset, GuidanceStepFormSet))
        script, _changed = guidance_script_save(
            script=form.instance, steps=step_formset.step_dicts(), actor=request.user, request=request
        )
        for formset in formsets:
            formset.instance = script
            # The admin's change message reads what the formset saved; the service saved instead.
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
