from django.urls import include, path

from heatdesk.web import views

app_name = "web"

urlpatterns = [
    path("login/", views.LoginPage.as_view(), name="login"),
    path("logout/", views.logout_page, name="logout"),
    path("", views.home, name="home"),
    path("reports/", include("heatdesk.web.reports.urls")),
]
