from django.urls import path

from claims import views

app_name = "claims"
urlpatterns = [
    path("claims/", views.ClaimListView.as_view(), name="claim-list"),
    path("claims/<int:pk>/", views.ClaimDetailView.as_view(), name="claim-detail"),
    path("figures/", views.FigureListView.as_view(), name="figure-list"),
    path("figures/<int:pk>/", views.FigureDetailView.as_view(), name="figure-detail"),
    path("compare/", views.CompareView.as_view(), name="compare"),
]
