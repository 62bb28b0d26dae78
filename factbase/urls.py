from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "factbase curators"
admin.site.site_title = "factbase admin"
admin.site.index_title = "Sources, claims and figures"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("sources.urls")),
    path("", include("claims.urls")),
    path("", include("api.urls")),  # /api/, citations, the feed
    path("", include("jobs.urls")),  # /exports/: large spreadsheets prepared in the background
]
