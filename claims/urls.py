from django.urls import path

from claims import views

app_name = "claims"
urlpatterns = [
    path("", views.home, name="home"),
    path("sources/<slug:slug>/", views.source_detail, name="source-detail"),
    path("claims/", views.ClaimListView.as_view(), name="claim-list"),
    path("claims/<int:pk>/", views.claim_detail, name="claim-detail"),
    path("figures/", views.FigureListView.as_view(), name="figure-list"),
    path("figures/<int:pk>/", views.figure_detail, name="figure-detail"),
    path("compare/", views.compare, name="compare"),
]
