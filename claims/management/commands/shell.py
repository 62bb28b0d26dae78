"""`manage.py shell -c CODE` prints only what CODE prints.

Django 5.2's shell announces its automatic imports ("26 objects imported automatically") on stdout,
also when it runs code given with -c, which mixes that line into the output a script reads (the
DESIGN.md contract check reads a source's text this way). The interactive shell keeps the line.
"""

from django.core.management.commands import shell


class Command(shell.Command):
    def handle(self, **options):
        if options.get("command") and options.get("verbosity") == 1:
            options["verbosity"] = 0
        return super().handle(**options)
