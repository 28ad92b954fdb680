from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from heatdesk.core.errors import DomainError
from heatdesk.notify import models, services


class ChannelForm(forms.ModelForm):
    # Declared to pick the https default scheme (Django 6 behaviour) and keep the model's texts.
    url = forms.URLField(
        label=models.Channel._meta.get_field("url").verbose_name,
        help_text=models.Channel._meta.get_field("url").help_text,
        required=False,
        max_length=500,
        assume_scheme="https",
    )

    class Meta:
        model = models.Channel
        fields = ["name", "org_kind", "org_code", "kind", "url", "secret", "is_active"]
        widgets = {"secret": forms.PasswordInput(render_value=True)}


@admin.register(models.Channel)
class ChannelAdmin(admin.ModelAdmin):
    form = ChannelForm
    list_display = ("name", "org_kind", "org_code", "kind", "is_active", "created_at")
    list_filter = ("kind", "org_kind", "is_active")
    search_fields = ("name", "org_code")


@admin.register(models.OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "topic",
        "org_kind",
        "org_code",
        "channel",
        "status",
        "attempts",
        "next_attempt_at",
        "delivered_at",
    )
    list_filter = ("status", "topic", "org_kind")
    search_fields = ("idempotency_key", "request_key", "org_code")
    date_hierarchy = "created_at"
    list_select_related = ("channel",)
    actions = ["send_again"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # the outbox is the record of what was sent

    @admin.action(description=_("重新发送所选失败消息"))
    def send_again(self, request: HttpRequest, queryset: QuerySet[models.OutboxMessage]) -> None:
        sent = 0
        for message in queryset.filter(status=models.OutboxStatus.FAILED):
            try:
                services.outbox_retry(message_id=message.pk)
            except DomainError as error:
                self.message_user(request, error.message, level=messages.ERROR)
            else:
                sent += 1
        self.message_user(request, _("已重新排队 %(count)d 条消息。") % {"count": sent})
