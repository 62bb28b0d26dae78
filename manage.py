#!/usr/bin/env python
import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factbase.settings")
    # manage.py is the developers' and curators' tool: development settings unless DEBUG=0 says otherwise.
    # The servers (wsgi.py, asgi.py) default to production and refuse to start without SECRET_KEY.
    os.environ.setdefault("DEBUG", "1")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
