from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    name = "claims"
    verbose_name = "Claims, figures and reviews"

    def ready(self):
        from claims import comparisons, deletions

        comparisons.connect()
        deletions.connect()
