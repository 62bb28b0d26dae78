from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "For machines: API, citations, JSON-LD, feed"
