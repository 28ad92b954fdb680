"""The audit log in the admin (read-only, admins only), and the user admin with every user change
audited. The user admin lives in accounts; it is wrapped here because audit sits above accounts."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.db import transaction
from django.http import HttpRequest

import heatdesk.accounts.admin as accounts_admin  # registers the plain user admin that is replaced below
from heatdesk.accounts.models import User
from heatdesk.audit.models import AuditAction, AuditEntry
from heatdesk.audit.selectors import audit_reader
from heatdesk.audit.services import audit_record, audit_user_change, user_state


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ("at", "actor_username", "action", "object_type", "object_id", "ip")
    list_filter = ("action", "object_type")
    search_fields = ("actor_username", "object_id")
    date_hierarchy = "at"

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [field.name for field in AuditEntry._meta.fields]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return audit_reader(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return audit_reader(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class AuditedUserAdmin(accounts_admin.UserAdmin):
    """Creation, role and organisation changes, (de)activation, password changes and deletion are audited."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        before = user_state(obj) if change else None
        super().save_model(request, obj, form, change)
        audit_user_change(actor=request.user, user=obj, before=before, request=request)

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> Any:
        with transaction.atomic():
            user = self.get_object(request, unquote(id))
            before = user_state(user)
            response = super().user_change_password(request, id, form_url)
            if user is not None and before is not None and request.method == "POST":
                audit_user_change(actor=request.user, user=user, before=before, request=request)
        return response

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        self._audit_deletion(request, obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for user in queryset:
            self._audit_deletion(request, user)
        super().delete_queryset(request, queryset)

    def _audit_deletion(self, request: HttpRequest, user: Any) -> None:
        detail = {"change": "delete", "username": user.get_username(), "role": user.role}
        audit_record(
            actor=request.user,
            action=AuditAction.USER_CHANGE,
            object_type="user",
            object_id=user.pk,
            detail=detail,
            request=request,
        )


admin.site.unregister(User)
admin.site.register(User, AuditedUserAdmin)
