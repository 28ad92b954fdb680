"""工作群 /groups/: what each work group was sent, newest first, drawn as the group sees it, with the
delivery status, the error of a failed message and a retry button. Desk leads and admins see every
group; a company its own and its stations'; a station its own."""

from __future__ import annotations

import re
from urllib.parse import urlencode

from django.contrib import messages as flash
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from heatdesk.accounts.models import Role
from heatdesk.core.errors import DomainError
from heatdesk.geo.models import Company, Station
from heatdesk.notify.channels import card_markdown
from heatdesk.notify.messages import Message
from heatdesk.notify.models import OrgKind, OutboxMessage
from heatdesk.notify.selectors import GroupKey, group_message_visible, group_messages, groups_visible_to
from heatdesk.notify.services import outbox_retry
from heatdesk.web.access import forbidden, role_required

GROUP_READERS = (Role.DESK_LEAD, Role.ADMIN, Role.COMPANY, Role.STATION)
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_LINK = re.compile(r"\[([^\]]+)\]\((https?://[^\s)]+)\)")


def markdown_html(markdown: str) -> SafeString:
    """The robots' markdown subset as HTML, safely: every line is escaped first, then only **bold**,
    [label](http…) links and > quotes become tags."""
    html_lines = []
    for line in markdown.split("\n"):
        quoted = line.startswith("> ")
        text = escape(line[2:] if quoted else line)
        text = _BOLD.sub(r"<strong>\1</strong>", text)
        text = _LINK.sub(r'<a href="\2" rel="noopener" target="_blank">\1</a>', text)
        html_lines.append(f"<blockquote>{text}</blockquote>" if quoted else f"<div>{text}</div>")
    return mark_safe("".join(html_lines))  # noqa: S308 - built from escaped text above


def _names(groups: list[GroupKey]) -> dict[str, str]:
    stations = dict(Station.objects.values_list("code", "name"))
    companies = dict(Company.objects.values_list("code", "name"))
    fixed = {OrgKind.DESK: _("12345 供热专席"), OrgKind.REGULATOR: _("供热办")}
    names = {}
    for key in groups:
        lookup = stations if key.org_kind == OrgKind.STATION else companies
        names[key.slug] = str(fixed.get(OrgKind(key.org_kind)) or lookup.get(key.org_code, key.org_code))
    return names


def _entry(row: OutboxMessage) -> dict:
    message = Message.from_payload(topic=row.topic, payload=row.payload)
    robot = row.channel.name or row.channel.get_kind_display() if row.channel else _("控制台日志")
    mentions = list(row.channel.mention_mobiles) if row.channel and message.mention else []
    return {
        "row": row,
        "card": markdown_html(card_markdown(message)),
        "robot": robot,
        "mention": message.mention,
        "mentions": [f"{m[:3]}****{m[-4:]}" for m in mentions],
    }


@require_GET
@role_required(*GROUP_READERS)
def groups_page(request):
    groups = groups_visible_to(user=request.user)
    chosen = request.GET.get("group", "")
    shown = [key for key in groups if key.slug == chosen] if chosen else groups
    limit = 100 if chosen else 20
    names = _names(groups)
    sections = [
        {
            "key": key,
            "name": names[key.slug],
            "entries": [_entry(row) for row in group_messages(group=key, limit=limit)],
        }
        for key in shown
    ]
    return render(
        request,
        "web/groups/groups.html",
        {"groups": groups, "names": names, "sections": sections, "chosen": chosen},
    )


@require_POST
@role_required(*GROUP_READERS)
def groups_retry(request, message_id: int):
    row = group_message_visible(user=request.user, message_id=message_id)
    if row is None:
        return forbidden(request, _("无权查看该工作群的消息"))
    try:
        outbox_retry(message_id=row.pk)
        flash.success(request, _("已重新排队发送"))
    except DomainError as error:
        flash.error(request, error.message)
    query = urlencode({"group": f"{row.org_kind}:{row.org_code}"})
    return redirect(f"{reverse('web:groups')}?{query}")
