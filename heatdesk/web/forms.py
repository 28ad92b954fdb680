"""Forms of the pages. They check the shape of the input; the services check the rules."""

from __future__ import annotations

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from heatdesk.accounts.models import User
from heatdesk.geo.selectors import station_list
from heatdesk.sla.models import Stage, Urgency
from heatdesk.tickets.models import Category, Channel, Kind
from heatdesk.tickets.states import TicketStatus
from heatdesk.web.selectors import DESK_HOLDER, MAX_PAGE, TicketQuery, phone_filter_allowed

INTAKE_SUBMITS = ("create", "dispatch", "guide_solved", "guide_dispatch")


def _station_choices():
    return [("", _("按地址自动匹配"))] + [(s.code, f"{s.name}（{s.company.name}）") for s in station_list()]


class IntakeForm(forms.Form):
    """新建工单: the call as the operator types it, caller phone first."""

    caller_phone = forms.CharField(
        label=_("来电号码"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"type": "tel", "autofocus": True, "autocomplete": "off", "inputmode": "tel", "placeholder": "138…"}
        ),
    )
    caller_name = forms.CharField(label=_("来电人"), max_length=40, required=False)
    address = forms.CharField(
        label=_("地址"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": _("如：回民区蓝爵小区3号楼2单元501")}),
    )
    compound = forms.CharField(required=False, widget=forms.HiddenInput)
    building = forms.CharField(label=_("楼"), max_length=10, required=False)
    unit = forms.CharField(label=_("单元"), max_length=10, required=False)
    room = forms.CharField(label=_("室"), max_length=10, required=False)
    station = forms.ChoiceField(label=_("指定供暖所"), required=False, choices=())
    kind = forms.ChoiceField(label=_("诉求类型"), choices=Kind.choices, initial=Kind.HELP)
    category = forms.ChoiceField(
        label=_("问题分类"), choices=Category.choices, initial=Category.NOT_WARM, widget=forms.RadioSelect
    )
    urgency = forms.ChoiceField(
        label=_("紧急程度"), choices=Urgency.choices, initial=Urgency.NORMAL, widget=forms.RadioSelect
    )
    channel = forms.ChoiceField(label=_("来源渠道"), choices=Channel.choices, initial=Channel.PHONE)
    description = forms.CharField(
        label=_("诉求内容"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("请填写诉求内容")},
    )
    guidance_note = forms.CharField(label=_("指导备注"), max_length=2000, required=False)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=80)
    submit = forms.ChoiceField(choices=[(name, name) for name in INTAKE_SUBMITS], required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["station"].choices = _station_choices()
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", uuid.uuid4().hex)

    def clean_submit(self):
        return self.cleaned_data.get("submit") or "dispatch"


def _holder_choices() -> list[tuple[str, str]]:
    stations = [(s.code, s.name) for s in station_list()]
    return [("", _("全部")), (DESK_HOLDER, _("话务台（待派单）")), *stations]


class TicketQueryForm(forms.Form):
    """The filters of 工单查询, all optional; every value bounded."""

    q = forms.CharField(label=_("工单号、来电号码、地址或内容"), required=False, max_length=100)
    status = forms.ChoiceField(label=_("状态"), required=False)
    station = forms.ChoiceField(label=_("责任方"), required=False)
    stage = forms.ChoiceField(label=_("环节"), required=False)
    overdue = forms.BooleanField(label=_("仅超时"), required=False)
    at_risk = forms.BooleanField(label=_("仅预警"), required=False)
    extension = forms.BooleanField(label=_("延期待批"), required=False)
    phone4 = forms.RegexField(
        label=_("来电尾号"),
        required=False,
        regex=r"^\d{4}$",
        max_length=4,
        error_messages={"invalid": _("请输入来电号码的后四位数字 / enter the last four digits of the phone")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "size": 5, "autocomplete": "off"}),
    )
    page = forms.IntegerField(required=False, min_value=1, max_value=MAX_PAGE, widget=forms.HiddenInput)

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["status"].choices = [("", _("全部")), ("open", _("在办")), *TicketStatus.choices]
        self.fields["station"].choices = _holder_choices()
        self.fields["stage"].choices = [("", _("全部")), *Stage.choices]
        if not phone_filter_allowed(user):
            del self.fields["phone4"]

    def query(self) -> TicketQuery:
        data = self.cleaned_data
        return TicketQuery(
            q=data["q"].strip(),
            status=data["status"],
            station=data["station"],
            stage=data["stage"],
            overdue=data["overdue"],
            at_risk=data["at_risk"],
            extension=data["extension"],
            phone4=data.get("phone4") or "",
        )
