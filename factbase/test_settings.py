"""Settings for the test suite: a plain `pytest` needs nothing set in the environment.

The suite runs with development settings (a throwaway key, no HTTPS redirect); the
production switches have tests of their own that start manage.py with DEBUG=0.
"""

import os

os.environ.setdefault("DEBUG", "1")

from factbase.settings import *  # noqa: E402, F403

# Hashing is slow on purpose; tests create many users and prove nothing about the hasher.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
