"""Settings come from the environment; production refuses to start insecure."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def manage(*args, **env):
    clean = {key: value for key, value in os.environ.items()
             if key not in ("DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE", "DJANGO_SETTINGS_MODULE")}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env={**clean, **env},
                          capture_output=True, text=True, timeout=120)


def test_production_refuses_to_start_without_a_secret_key():
    result = manage("check", DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_check_deploy_is_silent_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", DEBUG="0", SECRET_KEY="x" * 60 + "-prod-KEY-42!",
                    ALLOWED_HOSTS="factbase.example.org")
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_a_malformed_boolean_is_a_loud_error():
    result = manage("check", DEBUG="maybe")
    assert "DEBUG='maybe': expected a boolean" in result.stderr


def test_the_wsgi_server_defaults_to_production_and_needs_a_secret_key():
    clean = {key: value for key, value in os.environ.items()
             if key not in ("DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE", "DJANGO_SETTINGS_MODULE")}
    result = subprocess.run([sys.executable, "-c", "import factbase.wsgi"], cwd=ROOT, env=clean,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0 and "SECRET_KEY is not set" in result.stderr


def test_manage_py_is_a_development_tool_by_default():
    assert manage("check").returncode == 0
