from django.urls import path

from sources import views

app_name = "sources"
urlpatterns = [
    path("", views.home, name="home"),
    path("sources/", views.SourceListView.as_view(), name="list"),
    path("sources/<slug:slug>/", views.source_detail, name="detail"),
]
