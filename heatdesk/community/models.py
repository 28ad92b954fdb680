"""Communities act before the call (DESIGN §10 "Community"): the two stewards of each compound (双管家), the
register of vulnerable households, visit campaigns (访民问暖) and problem ledgers (问题台账)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

TEMPERATURE_STANDARD_CELSIUS = 18  # a visit reading below this becomes a ticket (DESIGN §5 room temperature)


class StewardKind(models.TextChoices):
    ENTERPRISE = "enterprise", _("供热管家")
    COMMUNITY = "community", _("社区管家")
    GRID = "grid", _("网格员")


class Steward(models.Model):
    """One steward of a compound: the heating company's (供热管家), the community's (社区管家) or a grid worker."""

    compound = models.ForeignKey(
        "geo.Compound", verbose_name=_("小区"), on_delete=models.CASCADE, related_name="stewards"
    )
    kind = models.CharField(_("类别"), max_length=12, choices=StewardKind.choices)
    name = models.CharField(_("姓名"), max_length=40)
    phone = models.CharField(_("电话"), max_length=30, blank=True, default="")
    on_duty = models.BooleanField(_("在岗"), default=True)
    position = models.PositiveSmallIntegerField(_("顺序"), default=0)
    updated_at = models.DateTimeField(_("更新时间"))

    class Meta:
        verbose_name = _("管家")
        verbose_name_plural = _("管家")
        ordering = ["compound", "kind", "position", "id"]
        constraints = [
            # One enterprise and one community steward per compound; grid workers as many as there are.
            models.UniqueConstraint(
                fields=["compound", "kind"], condition=~Q(kind="grid"), name="community_one_steward_per_kind"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.compound_id} {self.kind} {self.name}"


class VulnerableKind(models.TextChoices):
    ELDERLY_ALONE = "elderly_alone", _("独居老人")
    DISABLED = "disabled", _("残障人士")
    INFANT = "infant", _("婴幼儿")
    ILL = "ill", _("重病患者")
    OTHER = "other", _("其他")


class VulnerableHousehold(models.Model):
    """A household registered, with its consent, to be checked on first when it turns cold (重点人群)."""

    compound = models.ForeignKey(
        "geo.Compound", verbose_name=_("小区"), on_delete=models.PROTECT, related_name="vulnerable_households"
    )
    building = models.CharField(_("楼号"), max_length=10)
    unit = models.CharField(_("单元"), max_length=10, blank=True, default="")
    room = models.CharField(_("房号"), max_length=10)
    kind = models.CharField(_("类别"), max_length=16, choices=VulnerableKind.choices)
    contact_name = models.CharField(_("联系人"), max_length=40)
    contact_phone = models.CharField(_("联系电话"), max_length=30)
    consent_at = models.DateField(_("同意登记日期"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("登记时间"))

    class Meta:
        verbose_name = _("重点人群户")
        verbose_name_plural = _("重点人群名册")
        ordering = ["compound", "building", "unit", "room"]
        constraints = [
            models.UniqueConstraint(fields=["compound", "building", "unit", "room"], name="community_one_register_row"),
        ]

    def __str__(self) -> str:
        return f"{self.compound_id} {self.building}-{self.unit}-{self.room} {self.kind}"


class Campaign(models.Model):
    """A visit campaign (访民问暖) over some compounds between two dates."""

    name = models.CharField(_("名称"), max_length=80)
    community = models.ForeignKey(
        "geo.Community", verbose_name=_("社区"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    compounds = models.ManyToManyField("geo.Compound", verbose_name=_("小区"), related_name="+")
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    from_hotspots = models.BooleanField(_("按上季热点选定"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("创建人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"))

    class Meta:
        verbose_name = _("走访活动")
        verbose_name_plural = _("走访活动")
        ordering = ["-starts_on", "-id"]
        constraints = [models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="campaign_dates")]

    def __str__(self) -> str:
        return self.name


class Visit(models.Model):
    """One household visited by a grid worker: the indoor reading, a problem or not, and the ticket it became."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("走访活动"), null=True, blank=True, on_delete=models.PROTECT, related_name="visits"
    )
    compound = models.ForeignKey("geo.Compound", verbose_name=_("小区"), on_delete=models.PROTECT, related_name="+")
    building = models.CharField(_("楼号"), max_length=10)
    unit = models.CharField(_("单元"), max_length=10, blank=True, default="")
    room = models.CharField(_("房号"), max_length=10)
    indoor_temp = models.DecimalField(_("室温(°C)"), max_digits=4, decimal_places=1, null=True, blank=True)
    problem = models.BooleanField(_("有问题"), default=False)
    note = models.TextField(_("备注"), blank=True, default="")
    photo = models.FileField(_("照片"), upload_to="visits/%Y/%m/", blank=True, default="")
    ticket = models.OneToOneField(
        "tickets.Ticket", verbose_name=_("工单"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    visited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("走访人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    visited_at = models.DateTimeField(_("走访时间"), db_index=True)

    class Meta:
        verbose_name = _("走访记录")
        verbose_name_plural = _("走访记录")
        ordering = ["-visited_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(indoor_temp__isnull=True) | (Q(indoor_temp__gte=-30) & Q(indoor_temp__lte=45)),
                name="visit_temp_plausible",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.compound_id} {self.building}-{self.unit}-{self.room} {self.visited_at:%Y-%m-%d}"


class Ledger(models.Model):
    """A problem ledger (问题台账) of one compound, worked down household by household."""

    compound = models.ForeignKey("geo.Compound", verbose_name=_("小区"), on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("标题"), max_length=120)
    category = models.CharField(_("问题类别"), max_length=20)
    plan_date = models.DateField(_("计划完成日期"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("建账人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("建账时间"))
    closed_at = models.DateTimeField(_("销账时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("问题台账")
        verbose_name_plural = _("问题台账")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class LedgerHousehold(models.Model):
    """One household of a ledger and the ticket dispatched for it; `refused_at` when the household refused access."""

    ledger = models.ForeignKey(Ledger, verbose_name=_("台账"), on_delete=models.CASCADE, related_name="households")
    building = models.CharField(_("楼号"), max_length=10)
    unit = models.CharField(_("单元"), max_length=10, blank=True, default="")
    room = models.CharField(_("房号"), max_length=10)
    ticket = models.OneToOneField(
        "tickets.Ticket", verbose_name=_("工单"), on_delete=models.PROTECT, related_name="ledger_household"
    )
    refused_at = models.DateTimeField(_("拒绝入户时间"), null=True, blank=True)
    refused_note = models.CharField(_("说明"), max_length=200, blank=True, default="")

    class Meta:
        verbose_name = _("台账住户")
        verbose_name_plural = _("台账住户")
        ordering = ["ledger", "building", "unit", "room"]
        constraints = [
            models.UniqueConstraint(fields=["ledger", "building", "unit", "room"], name="ledger_household_once"),
        ]

    def __str__(self) -> str:
        return f"{self.ledger_id} {self.building}-{self.unit}-{self.room}"
