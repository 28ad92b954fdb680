"""社区工作台 Community pages: their compounds and open tickets with clocks, stewards, the vulnerable register,
campaigns, the phone-sized visit form and problem ledgers. Each view parses, calls one service or selector,
renders; the rules live in `community.access` and `community.services`."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from heatdesk.accounts.models import Role
from heatdesk.community import access, selectors, services
from heatdesk.community.models import Visit, VulnerableKind
from heatdesk.core import clock
from heatdesk.core.errors import DomainError, ValidationFailed
from heatdesk.core.vocabulary import Category
from heatdesk.tickets.selectors import ticket_list_visible_to
from heatdesk.tickets.states import OPEN_STATUSES
from heatdesk.web.access import forbidden, role_required

WORKERS = (Role.COMMUNITY, Role.DESK_LEAD)
STEWARD_READERS = (Role.COMMUNITY, Role.DESK_LEAD, Role.STATION, Role.COMPANY, Role.ADMIN)
MAX_ROWS = 200


def _date(value: str | None, default: dt.date | None = None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else default
    except ValueError:
        return default


@require_http_methods(["GET"])
@role_required(*STEWARD_READERS)
def community_home(request):
    """Their compounds with the two stewards, and the compounds' open tickets with their clocks."""
    compounds = access.compounds_within(user=request.user, right=access.Right.STEWARDS_READ).order_by("name")
    if request.user.role in (Role.DESK_LEAD, Role.ADMIN) or request.user.is_superuser:
        compounds = compounds.none()  # the desk sees its wall; it opens a compound by its code
    rows = [{"compound": c, "stewards": selectors.compound_stewards(c)} for c in compounds[:MAX_ROWS]]
    tickets = (
        ticket_list_visible_to(user=request.user)
        .filter(compound__in=compounds, status__in=OPEN_STATUSES)
        .order_by("created_at")[:MAX_ROWS]
    )
    return render(
        request,
        "web/community/home.html",
        {"rows": rows, "tickets": tickets, "now": clock.now(), "can_visit": request.user.role in WORKERS},
    )


def _small_number(post, name: str, *, most: int) -> int:
    """A count or id from a form, held to 0..most; 0 when it is no whole number (bad input: no 500, no huge loop)."""
    try:
        value = int(post.get(name, "0") or 0)
    except ValueError:
        return 0
    return max(0, min(value, most))


def _person(post, prefix: str) -> services.StewardIn | None:
    name = post.get(f"{prefix}_name", "").strip()
    if not name:
        return None
    return services.StewardIn(name=name, phone=post.get(f"{prefix}_phone", ""), on_duty=bool(post.get(f"{prefix}_on")))


@require_http_methods(["GET", "POST"])
@role_required(*STEWARD_READERS)
def stewards_page(request, code: str):
    """The compound's 双管家 and grid workers; the community and the serving company edit them."""
    try:
        compound = services.compound_get(code)
        access.require(user=request.user, right=access.Right.STEWARDS_READ, compound=compound)
    except DomainError as error:
        return forbidden(request, error.message)
    error_message = ""
    if request.method == "POST":
        count = _small_number(request.POST, "grid_count", most=services.MAX_GRID_WORKERS)
        grid = [_person(request.POST, f"grid{n}") for n in range(count + 1)]
        try:
            services.stewards_replace(
                actor=request.user,
                compound=compound,
                enterprise=_person(request.POST, "enterprise"),
                community=_person(request.POST, "community"),
                grid=[g for g in grid[: services.MAX_GRID_WORKERS] if g is not None],
            )
            messages.success(request, "管家信息已保存")
            return redirect("web:community-stewards", code=compound.code)
        except DomainError as error:
            error_message = error.message
    editable = access.compounds_within(user=request.user, right=access.Right.STEWARDS_EDIT).filter(pk=compound.pk)
    stewards = selectors.compound_stewards(compound)
    return render(
        request,
        "web/community/stewards.html",
        {
            "compound": compound,
            "stewards": stewards,
            "grid_rows": [*stewards.grid, None],
            "can_edit": editable.exists(),
            "error": error_message,
        },
    )


@require_http_methods(["GET", "POST"])
@role_required(Role.COMMUNITY, Role.STATION, Role.DESK_LEAD)
def register_page(request):
    """重点人群名册: every opening is a logged read; the community and the desk lead add households."""
    error_message = ""
    if request.method == "POST":
        try:
            services.vulnerable_register(
                actor=request.user,
                entry=services.VulnerableIn(
                    compound=request.POST.get("compound", ""),
                    building=request.POST.get("building", ""),
                    unit=request.POST.get("unit", ""),
                    room=request.POST.get("room", ""),
                    kind=request.POST.get("kind", ""),
                    contact_name=request.POST.get("contact_name", ""),
                    contact_phone=request.POST.get("contact_phone", ""),
                    consent_at=_date(request.POST.get("consent_at"), clock.now().date()) or clock.now().date(),
                ),
            )
            messages.success(request, "已登记")
            return redirect("web:community-register")
        except DomainError as error:
            error_message = error.message
    rows = services.vulnerable_register_read(actor=request.user, via="page", request=request)
    cold = {row.pk for row, _ in services.vulnerable_cold_snap_read(actor=request.user, via="page", request=request)}
    return render(
        request,
        "web/community/register.html",
        {
            "rows": rows[:MAX_ROWS],
            "cold": cold,
            "kinds": VulnerableKind.choices,
            "compounds": access.compounds_within(user=request.user, right=access.Right.REGISTER_EDIT).order_by("name"),
            "error": error_message,
        },
    )


@require_http_methods(["GET", "POST"])
@role_required(*WORKERS)
def campaigns_page(request):
    """访民问暖 campaigns with their progress; a new one over chosen compounds or last season's hotspots."""
    error_message = ""
    if request.method == "POST":
        today = clock.now().date()
        try:
            campaign = services.campaign_create(
                actor=request.user,
                name=request.POST.get("name", ""),
                starts_on=_date(request.POST.get("from"), today) or today,
                ends_on=_date(request.POST.get("to"), today + dt.timedelta(days=30)) or today,
                compounds=request.POST.getlist("compounds") or None,
            )
            messages.success(request, f"走访活动「{campaign.name}」已创建")
            return redirect("web:community-campaigns")
        except DomainError as error:
            error_message = error.message
    campaigns = [
        {"campaign": c, "progress": selectors.campaign_progress(c)}
        for c in selectors.campaigns_visible(user=request.user)[:MAX_ROWS]
    ]
    compounds = access.compounds_within(user=request.user, right=access.Right.VISIT).order_by("name")
    return render(
        request,
        "web/community/campaigns.html",
        {"campaigns": campaigns, "compounds": compounds[:MAX_ROWS], "error": error_message},
    )


@require_http_methods(["GET", "POST"])
@role_required(*WORKERS)
def visit_page(request):
    """The phone-sized visit form: household, indoor °C, problem yes/no, note, photo; then the next household."""
    compounds = access.compounds_within(user=request.user, right=access.Right.VISIT).order_by("name")
    error_message, last = "", None
    values = request.POST if request.method == "POST" else request.GET
    if request.method == "POST":
        try:
            last = services.visit_record(
                actor=request.user,
                visit=services.VisitIn(
                    compound=values.get("compound", ""),
                    building=values.get("building", ""),
                    unit=values.get("unit", ""),
                    room=values.get("room", ""),
                    indoor_temp=values.get("indoor_temp") or None,
                    problem=values.get("problem") == "yes",
                    note=values.get("note", ""),
                    campaign=int(values["campaign"]) if values.get("campaign", "").isdigit() else None,
                    contact_phone=values.get("contact_phone", ""),
                ),
                photo=request.FILES.get("photo"),
            )
        except DomainError as error:
            error_message = error.message
    campaigns = selectors.campaigns_visible(user=request.user).filter(ends_on__gte=clock.now().date())[:50]
    recent = Visit.objects.filter(visited_by=request.user).select_related("compound", "ticket")[:10]
    return render(
        request,
        "web/community/visit.html",
        {
            "compounds": compounds[:MAX_ROWS],
            "campaigns": campaigns,
            "values": values,
            "last": last,
            "recent": recent,
            "error": error_message,
        },
        status=422 if error_message else 200,
    )


def _households(text: str) -> list[tuple[str, str, str]]:
    """One household a line: 3-2-501 (building-unit-room) or 3-501."""
    rows = []
    for line in text.replace("，", ",").replace(",", "\n").splitlines():
        parts = [p.strip() for p in line.replace("/", "-").split("-") if p.strip()]
        if len(parts) == 2:
            rows.append((parts[0], "", parts[1]))
        elif len(parts) == 3:
            rows.append((parts[0], parts[1], parts[2]))
        elif parts:
            raise ValidationFailed(f"无法识别的住户「{line.strip()}」/ write households as 3-2-501")
    return rows


@require_http_methods(["GET", "POST"])
@role_required(Role.COMMUNITY, Role.DESK_LEAD, Role.STATION, Role.COMPANY)
def ledgers_page(request):
    """问题台账: the ledgers with their progress; the community opens one (batch-dispatched)."""
    error_message = ""
    if request.method == "POST":
        try:
            ledger = services.ledger_create(
                actor=request.user,
                entry=services.LedgerIn(
                    compound=request.POST.get("compound", ""),
                    title=request.POST.get("title", ""),
                    category=request.POST.get("category", ""),
                    households=_households(request.POST.get("households", "")),
                    plan_date=_date(request.POST.get("plan_date")),
                ),
            )
            messages.success(request, f"台账已建立，{ledger.households.count()} 户已派单")
            return redirect("web:community-ledger", ledger_id=ledger.pk)
        except DomainError as error:
            error_message = error.message
    ledgers = [selectors.ledger_progress(ledger) for ledger in selectors.ledgers_visible(user=request.user)[:MAX_ROWS]]
    compounds = access.compounds_within(user=request.user, right=access.Right.LEDGER_EDIT).order_by("name")
    return render(
        request,
        "web/community/ledgers.html",
        {
            "ledgers": ledgers,
            "compounds": compounds[:MAX_ROWS],
            "categories": Category.choices,
            "error": error_message,
        },
    )


@require_http_methods(["GET", "POST"])
@role_required(Role.COMMUNITY, Role.DESK_LEAD, Role.STATION, Role.COMPANY)
def ledger_page(request, ledger_id: int):
    """One ledger household by household; mark a refusal of access, close it when all are settled."""
    try:
        ledger = services.ledger_get(actor=request.user, ledger_id=ledger_id)
        if request.method == "POST":
            if request.POST.get("op") == "close":
                services.ledger_close(actor=request.user, ledger_id=ledger_id)
                messages.success(request, "台账已销账")
            else:
                household = _small_number(request.POST, "household", most=2**31 - 1)
                services.ledger_household_refused(
                    actor=request.user, ledger_id=ledger_id, household_id=household, note=request.POST.get("note", "")
                )
            return redirect("web:community-ledger", ledger_id=ledger_id)
    except DomainError as error:
        if error.status == 403:
            return forbidden(request, error.message)
        messages.error(request, error.message)
        return redirect(reverse("web:community-ledgers"))
    editable = access.compounds_within(user=request.user, right=access.Right.LEDGER_EDIT)
    return render(
        request,
        "web/community/ledger.html",
        {"progress": selectors.ledger_progress(ledger), "can_edit": editable.filter(pk=ledger.compound_id).exists()},
    )
