"""Codes shared by several bounded contexts (DESIGN §8), defined once."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    """问题分类: what the citizen's request is about. Tickets carry it; guidance scripts are keyed by it."""

    NOT_WARM = "not_warm", _("暖气不热")
    LEAK = "leak", _("漏水/跑水")
    NO_HEAT = "no_heat", _("停热")
    BELOW_STANDARD = "below_standard", _("温度不达标")
    BILLING = "billing", _("收费")
    SERVICE_CHANGE = "service_change", _("报停报开")
    OTHER = "other", _("其他")
