from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from heatdesk.open311.models import Open311Client, Open311Submission


@admin.register(Open311Client)
class Open311ClientAdmin(admin.ModelAdmin):
    """Keys are issued with `heatdesk open311-key NAME`; here they are revoked (untick 启用) or restored."""

    list_display = ("name", "key_prefix", "is_active", "created_at")
    list_filter = ("is_active",)
    search_fields = ("name", "key_prefix")
    fields = ("name", "key_prefix", "is_active", "created_at")
    readonly_fields = ("name", "key_prefix", "created_at")
    actions = ["revoke"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description=_("吊销所选密钥 / revoke the selected keys"))
    def revoke(self, request, queryset):
        queryset.update(is_active=False)


@admin.register(Open311Submission)
class Open311SubmissionAdmin(admin.ModelAdmin):
    list_display = ("token", "client", "status", "service_code", "ticket", "created_at")
    list_filter = ("status", "client")
    search_fields = ("token", "ticket__number")
    readonly_fields = [field.name for field in Open311Submission._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False
