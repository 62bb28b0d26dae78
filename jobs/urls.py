from django.urls import path

from jobs import views

app_name = "jobs"
urlpatterns = [
    path("exports/", views.start_export, name="start_export"),
    path("exports/<uuid:pk>/", views.export_page, name="export"),
    path("exports/<uuid:pk>/status.json", views.export_status, name="export_status"),
    path("exports/<uuid:pk>/download", views.export_download, name="export_download"),
]
