from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.static import serve as serve_media

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

if settings.DEBUG or settings.DEMO_MODE:
    # Photos in demo mode; production serves MEDIA_ROOT (or S3) from the web server.
    urlpatterns.append(path("media/<path:path>", serve_media, {"document_root": settings.MEDIA_ROOT}))
