"""Guessing admin passwords is throttled: a handful of failures refuse the login for a while, the right
password included, per username and per address; the page says so, and nobody else is locked out."""

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.urls import reverse

PASSWORD = "correct horse battery staple"
LIMIT = 5  # settings.AXES_FAILURE_LIMIT


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # Every attempt hashes a password; the production hasher would spend seconds on these tests.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def alice(db):
    return User.objects.create_user("alice", password=PASSWORD, is_staff=True)


@pytest.fixture
def bob(db):
    return User.objects.create_user("bob", password=PASSWORD, is_staff=True)


def log_in(client, username, password, address="192.0.2.10", **headers):
    return client.post(reverse("admin:login"), {"username": username, "password": password, "next": "/admin/"},
                       REMOTE_ADDR=address, **headers)


def logged_in(response) -> bool:
    return response.status_code == 302 and response.url == "/admin/"


def fail(client, username, times, address="192.0.2.10", **headers):
    """Wrong passwords; the form's own error for all but the attempt that reaches the limit."""
    statuses = [log_in(client, username, "wrong password", address, **headers).status_code for _ in range(times)]
    assert all(status == 200 for status in statuses[:-1])
    return statuses[-1]


def test_the_fifth_wrong_password_locks_with_a_page_that_says_why(client, alice):
    assert fail(client, "alice", LIMIT - 1) == 200
    response = log_in(client, "alice", "wrong password")
    assert response.status_code == 429
    page = response.content.decode()
    assert "Too many failed logins" in page and "15 minutes" in page


def test_while_locked_the_right_password_is_refused(client, alice):
    fail(client, "alice", LIMIT)
    response = log_in(client, "alice", PASSWORD)
    assert response.status_code == 429
    assert "Too many failed logins" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302  # still sent to the login page


def test_four_wrong_passwords_still_let_the_right_one_in(client, alice):
    fail(client, "alice", LIMIT - 1)
    assert logged_in(log_in(client, "alice", PASSWORD))


def test_a_successful_login_starts_the_count_again(client, alice):
    fail(client, "alice", LIMIT - 1)
    assert logged_in(log_in(client, "alice", PASSWORD))
    client.logout()
    fail(client, "alice", LIMIT - 1)
    assert logged_in(log_in(client, "alice", PASSWORD))


def wait(minutes):
    """Let time pass for the recorded attempts."""
    for attempt in AccessAttempt.objects.all():
        attempt.attempt_time -= timedelta(minutes=minutes)
        attempt.save(update_fields=["attempt_time"])


def test_the_lock_holds_through_the_cool_off_and_lifts_after_it(client, alice):
    fail(client, "alice", LIMIT)
    wait(14)
    assert log_in(client, "alice", PASSWORD).status_code == 429  # and this refused attempt restarts the wait
    wait(14)
    assert log_in(client, "alice", PASSWORD).status_code == 429
    wait(15.1)
    assert logged_in(log_in(client, "alice", PASSWORD))


def test_a_locked_username_is_refused_from_any_address(client, alice):
    for n in range(LIMIT):
        fail(client, "alice", 1, address=f"198.51.100.{n}")
    assert log_in(client, "alice", PASSWORD, address="203.0.113.99").status_code == 429


def test_another_user_from_another_address_is_unaffected(client, alice, bob):
    fail(client, "alice", LIMIT, address="192.0.2.10")
    assert log_in(client, "alice", PASSWORD, address="192.0.2.10").status_code == 429
    assert logged_in(log_in(client, "bob", PASSWORD, address="192.0.2.20"))


def test_one_address_trying_many_usernames_is_stopped(client, bob):
    for n in range(LIMIT):
        fail(client, f"guess-{n}", 1, address="192.0.2.66")
    # Password spraying: one try per username never locks a username, so the address is locked.
    assert log_in(client, "bob", PASSWORD, address="192.0.2.66").status_code == 429
    assert logged_in(log_in(client, "bob", PASSWORD, address="192.0.2.67"))


def test_a_forged_x_forwarded_for_does_not_dodge_the_address_lock(client, bob):
    # Without a trusted proxy the header is the client's own word: a new one per attempt changes nothing.
    for n in range(LIMIT):
        fail(client, f"guess-{n}", 1, address="192.0.2.66", HTTP_X_FORWARDED_FOR=f"10.9.9.{n}")
    response = log_in(client, "bob", PASSWORD, address="192.0.2.66", HTTP_X_FORWARDED_FOR="10.9.9.200")
    assert response.status_code == 429


def test_behind_a_trusted_proxy_each_client_is_counted_by_its_forwarded_address(client, bob, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = "10.0.0.2"
    # Whatever the client itself puts in front of the proxy's entry is ignored: the rightmost entry counts.
    for n in range(LIMIT):
        fail(client, f"guess-{n}", 1, address=proxy, HTTP_X_FORWARDED_FOR=f"10.9.9.{n}, 203.0.113.7")
    assert log_in(client, "bob", PASSWORD, address=proxy, HTTP_X_FORWARDED_FOR="203.0.113.7").status_code == 429
    # Another client behind the same proxy is not locked out with the first.
    assert logged_in(log_in(client, "bob", PASSWORD, address=proxy, HTTP_X_FORWARDED_FOR="203.0.113.8"))
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.7"}


def test_a_garbled_forwarded_address_counts_as_the_proxy(client, settings, alice):
    settings.TRUSTED_PROXY_COUNT = 1
    fail(client, "alice", 1, address="10.0.0.2", HTTP_X_FORWARDED_FOR="unknown")
    assert AccessAttempt.objects.get().ip_address == "10.0.0.2"


def test_no_password_is_kept_in_the_record_of_failures(client, alice):
    log_in(client, "alice", "hunter2-not-the-password")
    attempt = AccessAttempt.objects.get()
    assert "hunter2" not in attempt.post_data


def test_an_overlong_username_is_a_wrong_login_not_a_500(client, db):
    # Django's login form does not check the length; axes stores the name in 255 characters (a 500 on PostgreSQL).
    response = log_in(client, "a" * 100_000, "whatever")
    assert response.status_code == 200
    assert "Please enter the correct username" in response.content.decode()
    assert AccessAttempt.objects.get().username == "a" * 150


def test_overlong_usernames_are_still_counted(client, db):
    assert fail(client, "b" * 10_000, LIMIT) == 429


@pytest.mark.parametrize("setting", ["LOGIN_FAILURE_LIMIT", "LOGIN_COOLOFF_MINUTES"])
def test_a_throttle_of_zero_is_a_loud_configuration_error(setting):
    # A limit of 0 would refuse every login; a cool-off of 0 would throttle nothing.
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=Path(__file__).resolve().parent.parent,
                            env={**env, setting: "0"}, capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "LOGIN_FAILURE_LIMIT and LOGIN_COOLOFF_MINUTES must be at least 1" in result.stderr
