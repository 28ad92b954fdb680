"""Photos on tickets (现场照片): images only, sniffed from their first bytes, stored under the sniffed type's
extension and served only through the scoped ticket-photo view."""

from __future__ import annotations

import re
import secrets

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from heatdesk.accounts.models import Role, User
from heatdesk.core import clock
from heatdesk.core.errors import NotFound, PermissionDenied, TransitionNotAllowed, ValidationFailed
from heatdesk.tickets.events import TicketEventKind, event_record
from heatdesk.tickets.models import TicketAttachment
from heatdesk.tickets.selectors import first_of, ticket_list_visible_to

IMAGE_EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/gif": "gif",
    "image/webp": "webp",
    "image/heic": "heic",
}
IMAGE_SIGNATURES = {
    b"\xff\xd8\xff": "image/jpeg",
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"GIF87a": "image/gif",
    b"GIF89a": "image/gif",
}


def _sniff_image(head: bytes) -> str | None:
    for signature, content_type in IMAGE_SIGNATURES.items():
        if head.startswith(signature):
            return content_type
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1", b"ftyphevc"):
        return "image/heic"
    return None


def ticket_attachment_add(*, actor: User, number: str, upload: UploadedFile) -> TicketAttachment:
    """Store a photo on an open ticket the user may work on; images only, size-limited."""
    if actor.role not in (Role.OPERATOR, Role.DESK_LEAD, Role.STATION, Role.COMMUNITY):
        raise PermissionDenied("无权上传照片 / may not upload photos")
    limit = settings.HEATDESK_MAX_UPLOAD_BYTES
    if upload.size is None or upload.size > limit:
        raise ValidationFailed(
            f"照片不能超过 {limit // (1024 * 1024)} MB / photo larger than the limit",
            code="file_too_large",
            details=[{"field": "file"}],
        )
    head = upload.read(16)
    upload.seek(0)
    content_type = _sniff_image(head)
    if content_type is None:
        raise ValidationFailed(
            "只能上传图片（JPEG/PNG/GIF/WebP/HEIC） / images only", code="not_an_image", details=[{"field": "file"}]
        )
    with transaction.atomic():
        ticket = first_of(ticket_list_visible_to(user=actor).filter(number=number).select_for_update(of=("self",)))
        if ticket is None:
            raise NotFound(f"工单 {number} 不存在或无权查看 / ticket {number} not found")
        if not ticket.is_open:
            raise TransitionNotAllowed("工单已办结，不能再上传照片 / ticket is no longer open")
        now = clock.now()
        name = re.sub(r"[^\w.\-]", "_", (upload.name or "photo"))[-80:]
        # Stored under the extension of the sniffed type, whatever the upload was called: a PNG named
        # `x.html` must never be served (by any web server in front of MEDIA_ROOT) as HTML.
        stored_name = f"{now:%Y%m%d%H%M%S}-{secrets.token_hex(8)}.{IMAGE_EXTENSIONS[content_type]}"
        attachment = TicketAttachment(
            ticket=ticket,
            content_type=content_type,
            size=upload.size,
            original_name=name,
            uploaded_by=actor,
            uploaded_at=now,
        )
        attachment.file.save(stored_name, upload, save=False)
        attachment.save()
        event_record(
            ticket=ticket,
            kind=TicketEventKind.ATTACHMENT,
            actor=actor,
            at=now,
            data={"name": name, "size": upload.size, "attachment": attachment.id},
        )
        ticket.updated_at = now
        ticket.save(update_fields=["updated_at"])
    return attachment
