from django.contrib import admin

from heatdesk.geo import models


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


@admin.register(models.Compound)
class CompoundAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "district", "community", "station", "substation", "households")
    list_filter = ("district", "station__company", "station")
    search_fields = ("code", "name", "pinyin", "initials", "aliases__alias")
    readonly_fields = ("pinyin", "initials")
    inlines = [CompoundAliasInline, BuildingInline]
