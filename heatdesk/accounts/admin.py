from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from heatdesk.accounts import services
from heatdesk.accounts.models import User
from heatdesk.accounts.signin import credentials_check
from heatdesk.core.errors import NotAuthenticated, Throttled


class AdminLoginForm(AdminAuthenticationForm):
    """The admin's sign-in through the one throttled credential check (`accounts.signin`)."""

    def clean(self) -> dict[str, Any]:
        username, password = self.cleaned_data.get("username"), self.cleaned_data.get("password")
        if username is None or not password:
            return self.cleaned_data
        try:
            self.user_cache = credentials_check(request=self.request, username=username, password=password)
        except Throttled as error:
            raise forms.ValidationError(error.message, code="throttled") from error
        except NotAuthenticated as error:
            raise self.get_invalid_login_error() from error
        self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


admin.site.login_form = AdminLoginForm


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = (
        "username",
        "job_number",
        "display_name",
        "role",
        "station",
        "company",
        "community",
        "is_active",
    )
    list_filter = ("role", "is_active", "station__company")
    search_fields = ("username", "job_number", "display_name")
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        (
            _("供热专席"),
            {"fields": ("job_number", "display_name", "role", "station", "company", "community")},
        ),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        (
            _("供热专席"),
            {"fields": ("job_number", "display_name", "role", "station", "company", "community")},
        ),
    )

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        """Deactivating a user revokes their API tokens (a password change does so by itself)."""
        was_active = change and User.objects.filter(pk=obj.pk, is_active=True).exists()
        super().save_model(request, obj, form, change)
        if was_active and not obj.is_active:
            services.user_tokens_revoke(user=obj)
