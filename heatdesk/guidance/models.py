"""Phone-guidance scripts (电话指导, DESIGN §2): yes/no questions an operator walks a caller through.

A script belongs to one ticket category. Its first step (lowest `order`) is where the walk starts; each
answer leads to another step of the same script or ends in an outcome. The shape of the graph (every
next exists, no loops, every path ends) is checked by `services.guidance_steps_validate`; the
database holds the rules a single row or pair of rows can state.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from heatdesk.core.vocabulary import Category


class GuidanceOutcome(models.TextChoices):
    """Where a walk ends. `solved` resolves the ticket on the phone; the others dispatch it."""

    SOLVED = "solved", _("已解决")
    DISPATCH = "dispatch", _("派单上门")
    URGENT_DISPATCH = "urgent_dispatch", _("紧急派单")


STEP_CODE_MAX_LENGTH = 40


class GuidanceScript(models.Model):
    """指导话术: the script for one category. Only one active script per category."""

    category = models.CharField(_("工单类别"), max_length=20, choices=Category.choices)
    title = models.CharField(_("标题"), max_length=80)
    intro = models.TextField(_("开场白"), blank=True, default="", help_text=_("话务员开始指导前对来电人说的话"))
    is_active = models.BooleanField(_("启用"), default=True)
    version = models.PositiveIntegerField(_("版本"), default=1, editable=False)
    updated_at = models.DateTimeField(_("更新时间"), editable=False)

    class Meta:
        verbose_name = _("指导话术")
        verbose_name_plural = _("指导话术")
        ordering = ["category", "-is_active", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["category"],
                condition=Q(is_active=True),
                name="unique_active_guidance_script_per_category",
                violation_error_message=_("该类别已有启用的指导话术 / this category already has an active script"),
            ),
            models.CheckConstraint(condition=Q(category__in=Category.values), name="guidance_script_category_known"),
            models.CheckConstraint(condition=Q(version__gte=1), name="guidance_script_version_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()}：{self.title}"


class GuidanceStep(models.Model):
    """One yes/no question of a script, what to do next on each answer, and the advice to give."""

    script = models.ForeignKey(
        GuidanceScript, verbose_name=_("指导话术"), on_delete=models.CASCADE, related_name="steps"
    )
    order = models.PositiveSmallIntegerField(_("顺序"))
    code = models.SlugField(_("步骤编码"), max_length=STEP_CODE_MAX_LENGTH)
    question = models.TextField(_("问题"), help_text=_("话务员向来电人念的问题，用“是/否”回答"))
    hint = models.TextField(_("提示"), blank=True, default="", help_text=_("给话务员看的说明，不必念出"))
    yes_next = models.CharField(
        _("回答“是”后"),
        max_length=STEP_CODE_MAX_LENGTH,
        help_text=_("下一步的编码，或结果 solved（已解决）/ dispatch（派单上门）/ urgent_dispatch（紧急派单）"),
    )
    no_next = models.CharField(
        _("回答“否”后"),
        max_length=STEP_CODE_MAX_LENGTH,
        help_text=_("下一步的编码，或结果 solved（已解决）/ dispatch（派单上门）/ urgent_dispatch（紧急派单）"),
    )
    advice = models.TextField(_("指导建议"), blank=True, default="", help_text=_("回答后话务员告诉来电人的做法"))

    class Meta:
        verbose_name = _("指导步骤")
        verbose_name_plural = _("指导步骤")
        ordering = ["script", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["script", "order"],
                name="unique_guidance_step_order",
                violation_error_message=_("步骤顺序重复 / two steps have the same order"),
            ),
            models.UniqueConstraint(
                fields=["script", "code"],
                name="unique_guidance_step_code",
                violation_error_message=_("步骤编码重复 / two steps have the same code"),
            ),
            # A step named like an outcome would make its next pointers ambiguous.
            models.CheckConstraint(
                condition=~Q(code__in=GuidanceOutcome.values),
                name="guidance_step_code_not_outcome",
                violation_error_message=_("步骤编码不能与结果同名 / a step code cannot be an outcome's name"),
            ),
            models.CheckConstraint(
                condition=~Q(yes_next="") & ~Q(no_next=""),
                name="guidance_step_next_present",
                violation_error_message=_("“是”和“否”都要填写下一步 / both answers need a next step"),
            ),
            models.CheckConstraint(
                condition=~Q(yes_next=F("code")) & ~Q(no_next=F("code")),
                name="guidance_step_not_self_loop",
                violation_error_message=_("步骤不能指向自己 / a step cannot lead to itself"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.code}"
