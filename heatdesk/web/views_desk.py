"""话务员工作台 (the operator's desk): take a call, see the caller's history, resolve the address, follow
the guidance script, create and dispatch in one step; and the operator's own queue."""

from __future__ import annotations

from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from heatdesk.community.care import care_lookup
from heatdesk.core import clock
from heatdesk.core.errors import DomainError
from heatdesk.geo.models import Compound
from heatdesk.geo.selectors import address_resolve
from heatdesk.guidance.selectors import guidance_script_for
from heatdesk.tickets.models import Category
from heatdesk.tickets.selectors import ticket_list_visible_to
from heatdesk.tickets.services import (
    GuidanceOutcome,
    TicketIntake,
    ticket_act,
    ticket_intake,
    ticket_repeat_call_register,
)
from heatdesk.tickets.states import TicketStatus
from heatdesk.web import selectors
from heatdesk.web.access import DESK, role_required
from heatdesk.web.forms import IntakeForm

QUEUE_GROUPS = {  # labels translated where shown (see labels.py)
    selectors.NEED_CALLBACK: "待回访",
    selectors.NEED_RETURNED: "被退回",
    selectors.NEED_DISPATCH: "待派单",
    selectors.NEED_OVERDUE: "已超时",
    selectors.NEED_WATCH: "处理中",
}
GUIDANCE_SOLVED = "solved"
HIGH_CONFIDENCE = 0.9
FIELD_OF_ERROR = {"caller_phone", "category", "kind", "urgency", "channel", "station", "compound", "address"}


def _error_field(error: DomainError) -> str | None:
    details = error.details
    if isinstance(details, list) and details and isinstance(details[0], dict):
        name = details[0].get("field")
        return name if name in FIELD_OF_ERROR else None
    if error.code == "address_uncertain":
        return "address"
    return None


def _resolution_context(*, address: str, compound: str = "") -> dict:
    """What the resolution panel shows: the best match, or the candidates, or the compound the operator chose."""
    address = (address or "").strip()
    if not address:
        return {"resolution": None, "address": ""}
    resolution = address_resolve(address=address)
    chosen = None
    if compound:
        chosen = next((c for c in resolution.candidates if c.compound.code == compound), None)
    return {
        "resolution": resolution,
        "address": address,
        "chosen": chosen,
        "chosen_code": compound if chosen else "",
        # Below this the match is shown as probable (neutral), never as a green "自动匹配".
        "high_confidence": resolution.confident and resolution.confidence >= HIGH_CONFIDENCE,
        # Read defensively: the resolver adds these (issue 14); absent means "not known".
        "district_mismatch": bool(getattr(resolution, "district_mismatch", False)) and not chosen,
        "floor": getattr(resolution, "floor", None),
    }


def _guidance_context(category: str, checked: list[str] | None = None) -> dict:
    script = guidance_script_for(category=category) if category in Category.values else None
    steps = list(script.steps.all()) if script else []
    return {
        "script": script,
        "steps": steps,
        "can_solve": _script_can_solve(steps),
        "checked_steps": set(checked or []),
        "category_label": Category(category).label if category in Category.values else "",
    }


def _script_can_solve(steps) -> bool:
    """A script none of whose answers ends in "solved" (a leak) offers no "solved by phone"."""
    return any(GUIDANCE_SOLVED in (step.yes_next, step.no_next) for step in steps)


def _queue_context(user) -> dict:
    now = clock.now()
    rows, counts = selectors.desk_queue(user=user, now=now)
    for row in rows:
        row.need_label = _(QUEUE_GROUPS.get(row.need, ""))
    return {
        "queue_rows": rows,
        "queue_total": sum(counts.values()),
        "queue_dispatch": counts.get(selectors.NEED_DISPATCH, 0) + counts.get(selectors.NEED_RETURNED, 0),
        "queue_callback": counts.get(selectors.NEED_CALLBACK, 0),
        "queue_overdue": counts.get(selectors.NEED_OVERDUE, 0),
        "now": now,
    }


def _steps_tried(category: str, codes: list[str]) -> list[str]:
    """The ticked steps of the script, as the questions the caller was asked (what was tried)."""
    script = guidance_script_for(category=category)
    if script is None:
        return []
    return [step.question[:200] for step in script.steps.all() if step.code in set(codes)]


def _intake(*, actor, data: dict, steps: list[str]):
    """The call the way the operator's button says: create, guide and dispatch in one service call."""
    submit = data["submit"]
    call = TicketIntake(
        caller_phone=data["caller_phone"],
        caller_name=data["caller_name"],
        category=data["category"],
        kind=data["kind"],
        urgency=data["urgency"],
        channel=data["channel"],
        description=data["description"],
        address=data["address"],
        compound=data["compound"] or None,
        building=data["building"],
        unit=data["unit"],
        room=data["room"],
        station=data["station"] or None,
        idempotency_key=data["idempotency_key"],
    )
    guidance = None
    if submit in ("guide_solved", "guide_dispatch"):
        tried = tuple(_steps_tried(data["category"], steps))
        guidance = GuidanceOutcome(solved=submit == "guide_solved", steps=tried, note=data["guidance_note"])
    return ticket_intake(actor=actor, call=call, guidance=guidance, dispatch=submit in ("dispatch", "guide_dispatch"))


def _related_numbers(request) -> list[str]:
    """The neighbours' open tickets the operator marked 关联 (visible ones only)."""
    numbers = [n for n in request.POST.getlist("related") if n][:5]
    if not numbers:
        return []
    visible = ticket_list_visible_to(user=request.user).filter(number__in=numbers)
    return list(visible.values_list("number", flat=True))


def _relate(*, actor, number: str, related: list[str]) -> None:
    """Note on the new ticket which neighbours' tickets it is related to (同楼栋，关联而非重复来电)."""
    if related:
        note = _("关联工单（同楼栋）：%(numbers)s") % {"numbers": "、".join(related)}
        ticket_act(actor=actor, number=number, action="note", payload={"note": note})


def _submit(request, form: IntakeForm, steps: list[str], related: list[str]):
    """Create the ticket the way the operator's button says; None with the form's errors when refused."""
    data = form.cleaned_data
    if data["submit"] == "guide_solved" and not _script_can_solve(_guidance_context(data["category"])["steps"]):
        form.add_error(None, _("该类问题不能电话指导解决，请派单上门"))
        return None
    try:
        result = _intake(actor=request.user, data=data, steps=steps)
    except DomainError as error:  # nothing was created: the form shows why
        form.add_error(_error_field(error), error.message)
        return None
    _relate(actor=request.user, number=result.ticket.number, related=related)
    return result


@role_required(*DESK)
def desk(request):
    """The intake form, the caller's history, the guidance script and the operator's queue."""
    steps = request.POST.getlist("steps") if request.method == "POST" else []
    related = _related_numbers(request) if request.method == "POST" else []
    if request.method == "POST":
        form = IntakeForm(request.POST)
        if form.is_valid():
            result = _submit(request, form, steps, related)
            if result is not None:
                return redirect(f"{reverse('web:desk')}?created={result.ticket.number}")
    else:
        form = IntakeForm()
    data = form.data if form.is_bound else {}
    category = data.get("category") or form.fields["category"].initial
    context = {
        "form": form,
        "related": related,
        "created": _created_banner(request),
        **_queue_context(request.user),
        **_guidance_context(category, steps),
        **_resolution_context(address=data.get("address", ""), compound=data.get("compound", "")),
    }
    if data.get("caller_phone"):
        context["history"] = selectors.caller_history(user=request.user, phone=data["caller_phone"])
    return render(request, "web/desk/desk.html", context)


def _created_banner(request):
    number = request.GET.get("created")
    if not number:
        return None
    return ticket_list_visible_to(user=request.user).filter(number=number).first()


@require_GET
@role_required(*DESK)
def desk_lookup(request):
    """Caller history as the phone is typed (fragment)."""
    history = selectors.caller_history(user=request.user, phone=request.GET.get("caller_phone", ""))
    return render(request, "web/desk/_history.html", {"history": history})


@require_GET
@role_required(*DESK)
def desk_resolve(request):
    """Address resolution as it is typed (fragment), with the building's open tickets swapped in beside it."""
    context = _resolution_context(address=request.GET.get("address", ""), compound=request.GET.get("compound", ""))
    resolution = context["resolution"]
    compound_id = None
    if context.get("chosen"):
        compound_id = Compound.objects.filter(code=context["chosen"].compound.code).values_list("id", flat=True).first()
    elif resolution is not None and resolution.compound is not None and resolution.confident:
        compound_id = resolution.compound.id
    context["history"] = selectors.caller_history(
        user=request.user,
        phone=request.GET.get("caller_phone", ""),
        compound_id=compound_id,
        building=(resolution.building or "") if resolution else "",
    )
    context["history_oob"] = True
    context.update(_care_context(request, context))
    return render(request, "web/desk/_resolution.html", context)


def _care_context(request, context: dict) -> dict:
    """The compound's stewards and the household's 重点关爱 flag beside the resolved address (flag reads audited)."""
    resolution = context.get("resolution")
    if resolution is None:
        return {}
    compound = None
    if context.get("chosen"):
        compound = Compound.objects.filter(code=context["chosen"].compound.code).first()
    elif resolution.compound is not None and resolution.confident:
        compound = resolution.compound
    if compound is None:
        return {}
    place = [(request.GET.get(name) or getattr(resolution, name, "") or "") for name in ("building", "unit", "room")]
    building, unit, room = place
    care = care_lookup(user=request.user, compound=compound, building=building, unit=unit, room=room, via="desk")
    return {"care": care, "care_key": f"{compound.code}:{'-'.join(place)}"}


@require_GET
@role_required(*DESK)
def desk_guidance(request):
    """The phone-guidance script of the chosen category (fragment)."""
    return render(request, "web/desk/_guidance.html", _guidance_context(request.GET.get("category", "")))


@require_GET
@role_required(*DESK)
def desk_queue(request):
    """我的工单, refreshed every few seconds (fragment)."""
    return render(request, "web/desk/_queue.html", _queue_context(request.user))


@require_POST
@role_required(*DESK)
def desk_repeat(request):
    """登记重复来电: attach this call to an open ticket (which urges it); the row shows it is done."""
    number = request.POST.get("repeat_of", "")
    key = request.POST.get("idempotency_key", "")
    try:
        result = ticket_repeat_call_register(
            actor=request.user,
            number=number,
            caller_phone=request.POST.get("caller_phone", ""),
            note=request.POST.get("description", ""),
            idempotency_key=f"repeat-{key}-{number}"[:80] if key else "",
        )
    except DomainError as error:
        return render(request, "web/desk/_repeat_done.html", {"error": error.message, "number": number})
    ticket = result.ticket
    return render(
        request,
        "web/desk/_repeat_done.html",
        {"ticket": ticket, "number": ticket.number, "is_open": ticket.status != TicketStatus.CLOSED},
    )
