from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    name = "claims"
    verbose_name = "Claims, figures and reviews"

    def ready(self):
        from claims import comparisons, deletions

        comparisons.connect()
        deletions.connect()

        from django.contrib import admin

        from factbase.curation import bound_every_changelist

        bound_every_changelist(admin.site)  # the admin has registered every app's models by now
