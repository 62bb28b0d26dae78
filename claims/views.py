from django.views.generic import DetailView, ListView, TemplateView

from claims.models import Claim, Figure


class ClaimListView(ListView):
    queryset = Claim.objects.public().select_related("source", "speaker")
    paginate_by = 50


class ClaimDetailView(DetailView):
    queryset = Claim.objects.public().select_related("source", "speaker")


class FigureListView(ListView):
    queryset = Figure.objects.public().select_related("source", "metric", "subject", "attributed_to")
    paginate_by = 50


class FigureDetailView(DetailView):
    queryset = Figure.objects.public().select_related("source", "metric", "subject", "attributed_to")


class CompareView(TemplateView):
    template_name = "claims/compare.html"
