from django.shortcuts import render
from django.views.generic import DetailView, ListView

from sources.models import Source


def home(request):
    return render(request, "home.html", {"sources": Source.objects.public().select_related("outlet")[:10]})


class SourceListView(ListView):
    queryset = Source.objects.public().select_related("outlet")
    paginate_by = 50


class SourceDetailView(DetailView):
    queryset = Source.objects.public().select_related("outlet")
