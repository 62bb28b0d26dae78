from django.urls import include, path
from django.views.decorators.http import require_safe
from rest_framework.routers import DefaultRouter

from api import citations, views
from api.feeds import LatestFeed
from api.schema import SchemaView

router = DefaultRouter()
router.register("sources", views.SourceViewSet, basename="source")
router.register("claims", views.ClaimViewSet, basename="claim")
router.register("figures", views.FigureViewSet, basename="figure")
router.register("comparisons", views.ComparisonViewSet, basename="comparison")
router.register("reviews", views.ReviewViewSet, basename="review")
router.register("entities", views.EntityViewSet, basename="entity")
router.register("outlets", views.OutletViewSet, basename="outlet")
router.register("metrics", views.MetricViewSet, basename="metric")

app_name = "api"
urlpatterns = [
    path("api/schema/", SchemaView.as_view(), name="schema"),
    path("api/", include(router.urls)),
    path("sources/<slug:slug>/cite.json", citations.cite_csl_json, name="cite-csl-json"),
    path("sources/<slug:slug>/cite.bib", citations.cite_bibtex, name="cite-bibtex"),
    path("feed.atom", require_safe(LatestFeed()), name="feed"),
]
