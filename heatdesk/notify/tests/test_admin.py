"""The Chinese admin pages of channels and the outbox open, and failed messages can be re-queued."""

from __future__ import annotations

from django.urls import reverse

from heatdesk.notify.models import OutboxMessage, OutboxStatus
from heatdesk.notify.services import channel_create, outbox_deliver_due


def test_admin_lists_channels_and_messages_in_chinese(admin_client, enqueue):
    channel_create(org_kind="station", org_code="cf-qiaokao", kind="wecom", url="https://qyapi.weixin.qq.com/x")
    enqueue("ticket.dispatched:HD1:1")

    channels_page = admin_client.get(reverse("admin:notify_channel_changelist"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    outbox_page = admin_client.get(reverse("admin:notify_outboxmessage_changelist"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    add_page = admin_client.get(reverse("admin:notify_channel_add"), HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert channels_page.status_code == outbox_page.status_code == add_page.status_code == 200
    assert "企业微信群机器人" in channels_page.text
    assert "待发送" in outbox_page.text
    assert "签名密钥" in add_page.text


def test_admin_action_sends_a_failed_message_again(admin_client, enqueue, outbox_settings):
    outbox_settings.HEATDESK_OUTBOX_MAX_ATTEMPTS = 1
    channel_create(org_kind="station", org_code="cf-qiaokao", kind="webhook", url="http://127.0.0.1:9/x")
    [message] = enqueue("ticket.dispatched:HD2:1")
    outbox_deliver_due()
    message.refresh_from_db()
    assert message.status == OutboxStatus.FAILED

    response = admin_client.post(
        reverse("admin:notify_outboxmessage_changelist"),
        {"action": "send_again", "_selected_action": [message.pk]},
    )

    assert response.status_code == 302
    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutboxStatus.PENDING, 0)
    assert OutboxMessage.objects.count() == 1
