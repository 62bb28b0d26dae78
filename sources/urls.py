from django.urls import path

from sources import views

app_name = "sources"
urlpatterns = [
    path("sources/", views.SourceListView.as_view(), name="list"),
]
