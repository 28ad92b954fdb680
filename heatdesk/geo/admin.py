from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from heatdesk.geo import models, services


@admin.register(models.Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "hotline")
    search_fields = ("code", "name")


@admin.register(models.Branch)
class BranchAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "company")
    list_filter = ("company",)


@admin.register(models.Station)
class StationAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "company", "branch", "phone")
    list_filter = ("company",)
    search_fields = ("code", "name")


@admin.register(models.Substation)
class SubstationAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "station")
    list_filter = ("station",)
    search_fields = ("code", "name")


@admin.register(models.District)
class DistrictAdmin(admin.ModelAdmin):
    list_display = ("code", "name")


@admin.register(models.Street)
class StreetAdmin(admin.ModelAdmin):
    list_display = ("name", "district")
    list_filter = ("district",)
    search_fields = ("name",)


@admin.register(models.Community)
class CommunityAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "street")
    list_filter = ("street__district",)
    search_fields = ("code", "name")


class CompoundAliasInline(admin.TabularInline):
    model = models.CompoundAlias
    extra = 1
    fields = ("alias", "pinyin", "initials", "learned")
    readonly_fields = ("pinyin", "initials")


class BuildingInline(admin.TabularInline):
    model = models.Building
    extra = 0


class BuildingRangeInline(admin.TabularInline):
    """Shown, not edited: ranges come from `heatdesk import-buildings`, which checks them whole."""

    model = models.BuildingRange
    extra = 0
    fields = ("buildings", "station", "substation")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(models.Compound)
class CompoundAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "district", "community", "station", "substation", "households")
    list_filter = ("district", "station__company", "station")
    search_fields = ("code", "name", "pinyin", "initials", "aliases__alias")
    readonly_fields = ("pinyin", "initials", "updated_at")
    inlines = [CompoundAliasInline, BuildingInline, BuildingRangeInline]

    def save_model(self, request: HttpRequest, obj: models.Compound, form: Any, change: bool) -> None:
        # Pinyin and initials are derived from the name by the service, never typed.
        services.compound_save(compound=obj)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is not models.CompoundAlias:
            super().save_formset(request, form, formset, change)
            return
        aliases = formset.save(commit=False)
        for alias in formset.deleted_objects:
            services.compound_alias_delete(alias=alias)
        for alias in aliases:
            services.compound_alias_save(alias=alias)
        formset.save_m2m()


@admin.register(models.CompoundAlias)
class CompoundAliasAdmin(admin.ModelAdmin):
    list_display = ("alias", "compound", "pinyin", "initials", "learned", "updated_at")
    list_filter = ("learned", "compound__district")
    search_fields = ("alias", "pinyin", "initials", "compound__name")
    readonly_fields = ("pinyin", "initials", "updated_at")
    autocomplete_fields = ("compound",)

    def save_model(self, request: HttpRequest, obj: models.CompoundAlias, form: Any, change: bool) -> None:
        services.compound_alias_save(alias=obj)

    def delete_model(self, request: HttpRequest, obj: models.CompoundAlias) -> None:
        services.compound_alias_delete(alias=obj)
