from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from heatdesk.audit.models import AuditAction
from heatdesk.audit.services import audit_record
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

    mentions = forms.CharField(
        label=_("值班手机号"),
        required=False,
        help_text=_("逗号分隔；紧急漏水和升级督办时 @ 这些人（企业微信、钉钉）。"),
    )
    remove_secret = forms.BooleanField(label=_("取消加签"), required=False)

    class Meta:
        model = models.Channel
        fields = ["name", "org_kind", "org_code", "kind", "url", "secret", "is_active"]
        # Write-only: the stored secret is never sent back to the browser; empty keeps it.
        widgets = {"secret": forms.PasswordInput(render_value=False)}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["secret"].required = False
        if self.instance.pk:
            self.initial["mentions"] = ", ".join(self.instance.mention_mobiles or [])
            if self.instance.secret:
                self.fields["secret"].help_text = _("已设置（不显示）；留空则保持不变。")

    def clean_mentions(self) -> list[str]:
        raw = str(self.cleaned_data.get("mentions") or "")
        try:
            return services.mention_mobiles_clean([m for m in raw.replace("，", ",").split(",") if m.strip()])
        except DomainError as error:
            raise forms.ValidationError(error.message) from error

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.instance.pk and not data.get("secret") and not data.get("remove_secret"):
            data["secret"] = models.Channel.objects.get(pk=self.instance.pk).secret
        return data

    def save(self, commit: bool = True) -> models.Channel:
        channel: models.Channel = super().save(commit=False)
        channel.mention_mobiles = self.cleaned_data["mentions"]
        if self.cleaned_data.get("remove_secret"):
            channel.secret = ""
        if commit:
            channel.save()
        return channel


@admin.register(models.Channel)
class ChannelAdmin(admin.ModelAdmin):
    form = ChannelForm
    list_display = ("name", "org_kind", "org_code", "kind", "is_active", "created_at")
    list_filter = ("kind", "org_kind", "is_active")
    search_fields = ("name", "org_code")

    def save_model(self, request: HttpRequest, obj: models.Channel, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        channel_audit(request=request, channel=obj, change="update" if change else "create")

    def delete_model(self, request: HttpRequest, obj: models.Channel) -> None:
        channel_audit(request=request, channel=obj, change="delete")
        super().delete_model(request, obj)


def channel_audit(*, request: HttpRequest, channel: models.Channel, change: str) -> None:
    """Admin changes to work groups are audited like the API's (`channel_change`), never the secret."""
    audit_record(
        actor=request.user,
        action=AuditAction.CHANNEL_CHANGE,
        object_type="channel",
        object_id=channel.pk or "",
        detail={"change": change, "org": f"{channel.org_kind}:{channel.org_code}", "kind": channel.kind},
        request=request,
    )


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
