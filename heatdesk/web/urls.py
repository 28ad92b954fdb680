from django.urls import include, path

from heatdesk.web import (
    views,
    views_callbacks,
    views_desk,
    views_groups,
    views_print,
    views_queue,
    views_station,
    views_ticket,
    views_wall,
)

app_name = "web"

urlpatterns = [
    path("login/", views.LoginPage.as_view(), name="login"),
    path("logout/", views.logout_page, name="logout"),
    path("", views.home, name="home"),
    # 话务台
    path("desk/", views_desk.desk, name="desk"),
    path("desk/lookup/", views_desk.desk_lookup, name="desk-lookup"),
    path("desk/resolve/", views_desk.desk_resolve, name="desk-resolve"),
    path("desk/guidance/", views_desk.desk_guidance, name="desk-guidance"),
    path("desk/queue/", views_desk.desk_queue, name="desk-queue"),
    path("desk/repeat/", views_desk.desk_repeat, name="desk-repeat"),
    # 工单
    path("tickets/", views_ticket.ticket_list, name="tickets"),
    path("tickets/<str:number>/", views_ticket.ticket_detail, name="ticket"),
    path("tickets/<str:number>/print/", views_print.ticket_print, name="ticket-print"),
    path("tickets/<str:number>/live/", views_ticket.ticket_live, name="ticket-live"),
    path("tickets/<str:number>/act/<str:action>/", views_ticket.ticket_action, name="ticket-act"),
    path("tickets/<str:number>/photos/", views_ticket.ticket_photo_upload, name="ticket-photo-upload"),
    path("tickets/<str:number>/photos/<int:attachment_id>/", views_ticket.ticket_photo, name="ticket-photo"),
    # 供暖所看板
    path("station/", views_station.station, name="station"),
    path("station/board/", views_station.station_board, name="station-board"),
    path("station/tickets/<str:number>/", views_station.crew_ticket, name="crew-ticket"),
    # 督办大屏
    path("wall/", views_wall.wall, name="wall"),
    path("wall/live/", views_wall.wall_live, name="wall-live"),
    path("wall/urge/<str:number>/", views_wall.wall_urge, name="wall-urge"),
    # 督办队列
    path("queue/", views_queue.queue, name="queue"),
    # 工作群
    path("groups/", views_groups.groups_page, name="groups"),
    path("groups/retry/<int:message_id>/", views_groups.groups_retry, name="groups-retry"),
    # 回访
    path("callbacks/", views_callbacks.callbacks, name="callbacks"),
    path("callbacks/new/", views_callbacks.callbacks_new, name="callbacks-new"),
    path("callbacks/<str:number>/", views_callbacks.callback_submit, name="callback-submit"),
    path("callbacks/<str:number>/unreached/", views_callbacks.callback_close_unreached, name="callback-unreached"),
    path("reports/", include("heatdesk.web.reports.urls")),
    # 停热事件
    path("incidents/", include("heatdesk.web.incidents.urls")),
    # 社区
    path("community/", include("heatdesk.web.community.urls")),
]
