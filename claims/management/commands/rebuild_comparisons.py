from django.core.management.base import BaseCommand

from claims import comparisons
from factbase import public_cache


class Command(BaseCommand):
    help = (
        "Recompute every comparison (and each figure's in_conflict flag) from the public figures. "
        "Saves keep them current; run this after changing the comparison rules or writing figures in bulk by hand."
    )

    def handle(self, *args, **options):
        count = comparisons.rebuild()
        public_cache.bump()  # rebuilt in bulk, with no signal: the readers' kept pages are out of date
        self.stdout.write(f"{count:,} comparisons rebuilt.")
