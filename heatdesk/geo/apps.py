from django.apps import AppConfig


class GeoConfig(AppConfig):
    name = "heatdesk.geo"
    label = "geo"
    verbose_name = "地址与供热单位"
