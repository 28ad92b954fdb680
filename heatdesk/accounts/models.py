"""Users, their role and the organisation that bounds what they see (DESIGN §1)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    OPERATOR = "operator", _("话务员")
    DESK_LEAD = "desk_lead", _("专席负责人")
    STATION = "station", _("供暖所")
    COMPANY = "company", _("供热企业")
    COMMUNITY = "community", _("社区")
    REGULATOR = "regulator", _("供热办")
    ADMIN = "admin", _("系统管理员")


READ_ALL_ROLES = frozenset({Role.OPERATOR, Role.DESK_LEAD, Role.REGULATOR, Role.ADMIN})


class User(AbstractUser):
    """A person who signs in. Operators carry a job number (工号); org roles carry their organisation."""

    job_number = models.CharField(_("工号"), max_length=20, blank=True, default="")
    display_name = models.CharField(_("显示名"), max_length=60, blank=True, default="")
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices, default=Role.OPERATOR)
    station = models.ForeignKey(
        "geo.Station",
        verbose_name=_("供暖所"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    company = models.ForeignKey(
        "geo.Company",
        verbose_name=_("供热企业"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    community = models.ForeignKey(
        "geo.Community",
        verbose_name=_("社区"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        constraints = [
            # An organisational role without its organisation would see nothing or, worse, everything.
            models.CheckConstraint(
                condition=~Q(role="station") | Q(station__isnull=False), name="station_role_has_station"
            ),
            models.CheckConstraint(
                condition=~Q(role="company") | Q(company__isnull=False), name="company_role_has_company"
            ),
            models.CheckConstraint(
                condition=~Q(role="community") | Q(community__isnull=False),
                name="community_role_has_community",
            ),
            models.UniqueConstraint(fields=["job_number"], condition=~Q(job_number=""), name="unique_job_number"),
        ]

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def label(self) -> str:
        """How the user appears in timelines: job number first, as the desk speaks."""
        if self.job_number:
            return f"{self.job_number} {self.display_name}".strip()
        return self.display_name or self.username


class ApiToken(models.Model):
    """A bearer token. Only its SHA-256 is stored; the plain token is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    # The user's password stamp when the token was issued; a token whose stamp no longer matches is dead.
    password_stamp = models.CharField(max_length=128, blank=True, default="")
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")

    def __str__(self) -> str:
        return f"token of {self.user_id} until {self.expires_at:%Y-%m-%d}"


class LoginFailure(models.Model):
    """A sign-in attempt that has not succeeded: written before its password is checked, deleted when
    it succeeds. Kept in the database so throttling holds across processes and restarts."""

    username = models.CharField(max_length=150, db_index=True)
    ip_address = models.CharField(max_length=45, db_index=True)
    at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("登录失败记录")
        verbose_name_plural = _("登录失败记录")

    def __str__(self) -> str:
        return f"{self.username}@{self.ip_address} {self.at:%Y-%m-%d %H:%M}"
