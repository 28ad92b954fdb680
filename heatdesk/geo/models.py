"""The gazetteer and the heating organisations (DESIGN §6).

Company → branch → station serves compounds (or single buildings); a substation (换热站) feeds them,
so a burst of calls behind one substation can be seen as one outage.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Company(models.Model):
    code = models.SlugField(_("编码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=80, unique=True)
    hotline = models.CharField(_("服务电话"), max_length=30, blank=True, default="")

    class Meta:
        verbose_name = _("供热企业")
        verbose_name_plural = _("供热企业")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Branch(models.Model):
    code = models.SlugField(_("编码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=80)
    company = models.ForeignKey(Company, verbose_name=_("供热企业"), on_delete=models.PROTECT, related_name="branches")

    class Meta:
        verbose_name = _("分公司")
        verbose_name_plural = _("分公司")
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["company", "name"], name="unique_branch_name")]

    def __str__(self) -> str:
        return f"{self.company.name}{self.name}"


class Station(models.Model):
    """供暖所/服务站: the unit that sends crews; tickets are dispatched to it."""

    code = models.SlugField(_("编码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=80)
    company = models.ForeignKey(Company, verbose_name=_("供热企业"), on_delete=models.PROTECT, related_name="stations")
    branch = models.ForeignKey(
        Branch,
        verbose_name=_("分公司"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="stations",
    )
    phone = models.CharField(_("值班电话"), max_length=30, blank=True, default="")

    class Meta:
        verbose_name = _("供暖所")
        verbose_name_plural = _("供暖所")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Substation(models.Model):
    """换热站: feeds a set of compounds or buildings."""

    code = models.SlugField(_("编码"), max_length=60, unique=True)
    name = models.CharField(_("名称"), max_length=80)
    station = models.ForeignKey(Station, verbose_name=_("供暖所"), on_delete=models.PROTECT, related_name="substations")

    class Meta:
        verbose_name = _("换热站")
        verbose_name_plural = _("换热站")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class District(models.Model):
    code = models.CharField(_("区划代码"), max_length=12, unique=True)
    name = models.CharField(_("名称"), max_length=40, unique=True)

    class Meta:
        verbose_name = _("区/旗县")
        verbose_name_plural = _("区/旗县")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Street(models.Model):
    """街道/镇."""

    name = models.CharField(_("名称"), max_length=60)
    district = models.ForeignKey(District, verbose_name=_("区"), on_delete=models.PROTECT, related_name="streets")

    class Meta:
        verbose_name = _("街道")
        verbose_name_plural = _("街道")
        ordering = ["district", "name"]
        constraints = [models.UniqueConstraint(fields=["district", "name"], name="unique_street_name")]

    def __str__(self) -> str:
        return self.name


class Community(models.Model):
    """社区: community committee, the level community workers belong to."""

    code = models.SlugField(_("编码"), max_length=60, unique=True)
    name = models.CharField(_("名称"), max_length=60)
    street = models.ForeignKey(Street, verbose_name=_("街道"), on_delete=models.PROTECT, related_name="communities")

    class Meta:
        verbose_name = _("社区")
        verbose_name_plural = _("社区")
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["street", "name"], name="unique_community_name")]

    def __str__(self) -> str:
        return self.name


class Compound(models.Model):
    """小区: the unit a citizen names; routed to its station unless a building says otherwise."""

    code = models.SlugField(_("编码"), max_length=60, unique=True)
    name = models.CharField(_("名称"), max_length=80)
    district = models.ForeignKey(District, verbose_name=_("区"), on_delete=models.PROTECT, related_name="compounds")
    street = models.ForeignKey(
        Street,
        verbose_name=_("街道"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="compounds",
    )
    community = models.ForeignKey(
        Community,
        verbose_name=_("社区"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="compounds",
    )
    station = models.ForeignKey(Station, verbose_name=_("供暖所"), on_delete=models.PROTECT, related_name="compounds")
    substation = models.ForeignKey(
        Substation,
        verbose_name=_("换热站"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="compounds",
    )
    households = models.PositiveIntegerField(_("户数"), null=True, blank=True)
    built_year = models.PositiveSmallIntegerField(_("建成年份"), null=True, blank=True)
    # WGS84 centre of the compound, where known: Open311 requests by lat/long go to the nearest one.
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    lon = models.FloatField(_("经度"), null=True, blank=True)
    pinyin = models.CharField(_("全拼"), max_length=200, blank=True, default="", db_index=True)
    initials = models.CharField(_("拼音首字母"), max_length=60, blank=True, default="", db_index=True)
    # Part of the gazetteer version the resolver's in-process index is checked against.
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("小区")
        verbose_name_plural = _("小区")
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["district", "name"], name="unique_compound_name")]

    def __str__(self) -> str:
        return self.name


class CompoundAlias(models.Model):
    """Another name citizens use for a compound (万达二期 for 万达广场二期), learned or imported."""

    compound = models.ForeignKey(Compound, verbose_name=_("小区"), on_delete=models.CASCADE, related_name="aliases")
    alias = models.CharField(_("别名"), max_length=80)
    pinyin = models.CharField(_("全拼"), max_length=200, blank=True, default="")
    initials = models.CharField(_("拼音首字母"), max_length=60, blank=True, default="")
    learned = models.BooleanField(_("由话务员确认学习"), default=False)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("小区别名")
        verbose_name_plural = _("小区别名")
        constraints = [models.UniqueConstraint(fields=["compound", "alias"], name="unique_compound_alias")]

    def __str__(self) -> str:
        return self.alias


class Building(models.Model):
    """楼: needed only where a building is served or fed apart from its compound."""

    compound = models.ForeignKey(Compound, verbose_name=_("小区"), on_delete=models.CASCADE, related_name="buildings")
    number = models.CharField(_("楼号"), max_length=20)
    station = models.ForeignKey(
        Station,
        verbose_name=_("供暖所(覆盖小区设置)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="buildings",
    )
    substation = models.ForeignKey(
        Substation,
        verbose_name=_("换热站"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="buildings",
    )
    households = models.PositiveIntegerField(_("户数"), null=True, blank=True)

    class Meta:
        verbose_name = _("楼栋")
        verbose_name_plural = _("楼栋")
        constraints = [models.UniqueConstraint(fields=["compound", "number"], name="unique_building_number")]

    def __str__(self) -> str:
        return f"{self.compound.name}{self.number}号楼"


class BuildingRange(models.Model):
    """楼栋段: buildings of a split compound (1-12,15) served by their own station and substation."""

    compound = models.ForeignKey(
        Compound, verbose_name=_("小区"), on_delete=models.CASCADE, related_name="building_ranges"
    )
    buildings = models.CharField(_("楼号范围"), max_length=200, help_text=_("如 1-12,15"))
    station = models.ForeignKey(
        Station, verbose_name=_("供暖所"), on_delete=models.PROTECT, related_name="building_ranges"
    )
    substation = models.ForeignKey(
        Substation,
        verbose_name=_("换热站"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="building_ranges",
    )

    class Meta:
        verbose_name = _("楼栋段")
        verbose_name_plural = _("楼栋段")
        ordering = ["compound", "id"]

    def __str__(self) -> str:
        return f"{self.compound.name} {self.buildings}"
