"""Every change to a guidance script is written to the audit log, with who made it; no change, no entry."""

from __future__ import annotations

from heatdesk.audit.models import AuditEntry
from heatdesk.guidance.models import GuidanceScript
from heatdesk.guidance.services import guidance_script_upsert

ADD_URL = "/admin/guidance/guidancescript/add/"


def test_a_script_added_in_the_admin_is_audited_with_the_lead(desk_lead_client, admin_form, valid_steps):
    response = desk_lead_client.post(ADD_URL, admin_form(title="收费咨询", category="billing", steps=valid_steps))

    assert response.status_code == 302
    [entry] = AuditEntry.objects.filter(action="guidance_change")
    script = GuidanceScript.objects.get(category="billing")
    assert (entry.actor_username, entry.object_type, entry.object_id) == (
        "lead-guidance",
        "guidance_script",
        str(script.pk),
    )
    assert entry.detail["change"] == "create"
    assert entry.detail["version"] == 1
    assert entry.ip == "127.0.0.1"


def test_an_edit_is_audited_and_an_unchanged_save_is_not(db, valid_steps):
    guidance_script_upsert(category="not_warm", title="暖气不热", steps=valid_steps)
    guidance_script_upsert(category="not_warm", title="暖气不热", steps=valid_steps)  # same content
    guidance_script_upsert(category="not_warm", title="暖气不热（新）", steps=valid_steps)

    entries = list(AuditEntry.objects.filter(action="guidance_change").order_by("id"))
    assert [entry.detail["change"] for entry in entries] == ["create", "update"]
    assert entries[1].detail["version"] == 2
    assert entries[1].detail["steps_changed"] is False
    assert entries[1].actor is None  # the system


def test_a_refused_script_writes_no_audit_entry(desk_lead_client, admin_form, valid_steps):
    looping = [dict(step) for step in valid_steps]
    looping[2]["no_next"] = "valves_open"

    response = desk_lead_client.post(ADD_URL, admin_form(title="收费咨询", category="billing", steps=looping))

    assert response.status_code == 200
    assert not AuditEntry.objects.exists()
