from django.urls import path

from heatdesk.feedback import views

app_name = "feedback"

urlpatterns = [
    path("s/<str:number>", views.status_page, name="status"),
    path("r/<str:token>", views.rating_page, name="rating"),
    path("sms/", views.sms_console, name="sms-console"),
]
