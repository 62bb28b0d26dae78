"""Every response carries a strict Content-Security-Policy, and no page of ours needs anything it forbids.

The browser proof that the pages work under it is tests/test_browser_csp.py; these tests check the
header on every kind of response and the templates for anything inline.
"""

import re
from html.parser import HTMLParser
from pathlib import Path

import import_export
import pytest
import simple_history
from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache import caches
from django.test import Client
from django.urls import reverse

import claims.views

ROOT = Path(__file__).resolve().parent.parent


def policy_of(response) -> dict[str, list[str]]:
    header = response.headers["Content-Security-Policy"]
    return {name: values for name, *values in (part.split() for part in header.split(";") if part.strip())}


@pytest.fixture
def records(make_figure, make_claim):
    figure = make_figure()
    claim = make_claim(source=figure.source)
    return figure, claim


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("boss", password="pw-for-tests-only")


def test_the_policy_allows_only_our_own_files_and_no_inline_code(client, db):
    policy = policy_of(client.get("/"))
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]
    for directive in ("script-src", "style-src"):
        # Only our origin, plus single inline attributes of third-party admin templates named by hash.
        assert policy[directive][:2] == ["'self'", "'unsafe-hashes'"]
        assert all(re.fullmatch(r"'sha256-[A-Za-z0-9+/]{43}='", value) for value in policy[directive][2:])
    assert len(policy["script-src"]) == 2 + len(settings.THIRD_PARTY_INLINE_HANDLERS)
    assert len(policy["style-src"]) == 2 + len(settings.THIRD_PARTY_INLINE_STYLES)


def public_responses(client, figure, claim):
    source = figure.source
    yield "home", client.get("/")
    yield "figure list", client.get(reverse("claims:figure-list"))
    yield "figure", client.get(figure.get_absolute_url())
    yield "claim list", client.get(reverse("claims:claim-list"))
    yield "claim", client.get(claim.get_absolute_url())
    yield "source list", client.get(reverse("sources:list"))
    yield "source", client.get(source.get_absolute_url())
    yield "compare", client.get(reverse("claims:compare"))
    yield "a filter error", client.get(reverse("claims:figure-list"), {"value_min": "lots"})
    yield "not found", client.get("/figures/999999999/")


def test_every_kind_of_response_carries_the_policy(client, records, superuser, monkeypatch):
    figure, claim = records
    expected = policy_of(client.get("/"))
    responses = list(public_responses(client, figure, claim))
    for file_format in ("csv", "xlsx", "ods", "json"):
        download = client.get(reverse("claims:figure-list"), {"format": file_format})
        responses.append((f"{file_format} download", download))
    responses.append(("admin login", client.get(reverse("admin:login"))))
    for _ in range(settings.AXES_FAILURE_LIMIT):
        locked = client.post(reverse("admin:login"), {"username": "boss", "password": "wrong"})
    responses.append(("lockout page", locked))
    client.force_login(superuser)
    responses += [
        ("admin changelist", client.get(reverse("admin:claims_figure_changelist"))),
        ("admin change form", client.get(reverse("admin:claims_figure_change", args=[figure.pk]))),
        ("admin history", client.get(reverse("admin:claims_figure_history", args=[figure.pk]))),
        ("admin export", client.get(reverse("admin:claims_figure_export"), {"format": "csv"})),
    ]
    monkeypatch.setattr(claims.views, "render", lambda *args, **kwargs: 1 / 0)  # the compare page crashes
    caches["public"].clear()  # …when it is rendered: a reader's copy of it is kept (factbase.public_cache)
    crashing = Client(raise_request_exception=False)
    responses.append(("server error", crashing.get(reverse("claims:compare"))))
    statuses = {name: response.status_code for name, response in responses}
    assert statuses["not found"] == 404 and statuses["server error"] == 500 and statuses["lockout page"] == 429
    for name, response in responses:
        assert policy_of(response) == expected, name


class InlineCode(HTMLParser):
    """Collects what a strict policy blocks: style and script elements with content, style and on… attributes."""

    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        names = dict(attrs)
        if tag == "style" or (tag == "script" and "src" not in names and names.get("type") != "application/json"):
            self.found.append(f"<{tag}>")
        self.found += [f'{name}="{value}"' for name, value in attrs if name == "style" or name.startswith("on")]


def test_our_pages_have_no_inline_styles_or_scripts(client, records, superuser):
    figure, claim = records
    pages = list(public_responses(client, figure, claim))
    client.force_login(superuser)
    pages += [(url, client.get(url)) for url in (
        reverse("admin:sources_source_change", args=[figure.source.pk]),  # its text area had a style attribute
        reverse("admin:claims_figure_changelist"),
        reverse("admin:claims_figure_import"),
    )]
    for name, response in pages:
        parser = InlineCode()
        parser.feed(response.content.decode())
        assert parser.found == [], name


INLINE_ATTRIBUTE = re.compile(r"""\s(style|on[a-z]+)\s*=\s*("[^"]*"|'[^']*')""")
INLINE_ELEMENT = re.compile(r"<style|<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)


def inline_code_in(folder: Path):
    for path in folder.rglob("*.html"):
        text = path.read_text()
        for match in INLINE_ATTRIBUTE.finditer(text):
            yield path, match.group(1), match.group(2)[1:-1]
        for match in INLINE_ELEMENT.finditer(text):
            yield path, "element", match.group(0)


def test_our_templates_carry_nothing_inline():
    found = [(str(path.relative_to(ROOT)), kind, value) for folder in ("templates", "claims", "sources")
             for path, kind, value in inline_code_in(ROOT / folder)]
    assert found == []


def test_every_inline_attribute_of_the_third_party_admin_templates_is_allowed_by_its_hash():
    # An upgrade that adds one would be blocked in the browser: this says which, and where.
    import django.contrib.admin

    folders = [Path(module.__file__).parent / "templates" for module in (django.contrib.admin, import_export,
                                                                         simple_history)]
    styles, handlers, elements = set(), set(), set()
    for folder in folders:
        for path, kind, value in inline_code_in(folder):
            if kind == "element":
                elements.add((path.relative_to(folder).as_posix(), value))
            else:
                (styles if kind == "style" else handlers).add(value)
    assert styles == set(settings.THIRD_PARTY_INLINE_STYLES)
    assert handlers == set(settings.THIRD_PARTY_INLINE_HANDLERS)
    # Django's changelist has one inline <style>, only for an admin that hides its actions at top and bottom.
    assert elements == {("admin/change_list.html", "<style")}
    assert not [model_admin for model_admin in django.contrib.admin.site._registry.values()
                if not model_admin.actions_on_top and not model_admin.actions_on_bottom]
