from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    name = "claims"
    verbose_name = "Claims, figures and reviews"

    def ready(self):
        from claims import comparisons, deletions
        from factbase import public_cache

        comparisons.connect()
        deletions.connect()
        public_cache.connect()  # every write to the public data makes the cached pages out of date at once

        from django.contrib import admin

        from factbase.curation import bound_every_changelist

        bound_every_changelist(admin.site)  # the admin has registered every app's models by now
