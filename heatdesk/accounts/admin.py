from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from heatdesk.accounts.models import User


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
