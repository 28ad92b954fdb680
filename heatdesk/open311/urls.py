from django.urls import path, re_path

from heatdesk.open311 import desk_views, views

app_name = "open311"

FMT = r"\.(?P<fmt>xml|json)$"

urlpatterns = [
    re_path(r"^v2/discovery" + FMT, views.discovery, name="discovery"),
    re_path(r"^v2/services" + FMT, views.service_list, name="services"),
    re_path(r"^v2/services/(?P<service_code>[\w-]+)" + FMT, views.service_definition, name="service"),
    re_path(r"^v2/requests" + FMT, views.requests, name="requests"),
    re_path(r"^v2/requests/(?P<service_request_id>[\w-]+)" + FMT, views.request_detail, name="request"),
    re_path(r"^v2/tokens/(?P<token_id>[\w-]+)" + FMT, views.token, name="token"),
    path("v2/<path:rest>", views.not_found),
    path("desk/", desk_views.queue, name="queue"),
    path("desk/confirm/<str:token>", desk_views.confirm, name="confirm"),
    path("desk/take/<str:number>", desk_views.take, name="take"),
]
