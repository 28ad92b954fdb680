from django.contrib import admin
from django.urls import include, path

from heatdesk.api.api import api

admin.site.site_header = "供热专席工单系统 管理后台"
admin.site.site_title = "Heatdesk 管理"
admin.site.index_title = "系统管理"

urlpatterns = [
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("open311/", include("heatdesk.open311.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("heatdesk.feedback.urls")),
    path("", include("heatdesk.web.urls")),
]
# No /media/ route, in any mode: photos are served only by the scoped view /tickets/<number>/photos/<id>/
# (login, the ticket's scope, nosniff). A web server in front must not serve MEDIA_ROOT either.
