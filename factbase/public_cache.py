"""What anonymous readers see, kept in the shared cache and right at once after any write.

Every public page is a function of the public data, its URL and who asks. The public data has a *generation*: a
token in Django's cache (CACHE_URL: shared by every gunicorn worker) that every write to sources, claims, figures
and what hangs off them replaces (`connect`). Cached pages and facet counts are keyed by the generation, so a write
makes every older entry unreachable at that moment: nothing waits for a timeout. PUBLIC_CACHE_SECONDS only bounds
how long an entry is kept, and how stale a page can be after a write that bypasses the ORM (raw SQL in a shell).

Only anonymous readers are served from the cache, and only pages rendered for one are stored: a request with a
session or messages cookie always renders (a curator never sees the readers' copy, nor they the curator's), and a
response is stored only when it is a plain 200 that sets no cookie, used no CSRF token, is not private and is no
download. Middleware (CSP, security headers) runs on every response, cached or not.
"""

import hashlib
import logging
import time
import uuid
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.db import DatabaseCache
from django.db import connection, transaction
from django.http import HttpResponse
from django.utils.cache import cc_delim_re, patch_vary_headers

logger = logging.getLogger(__name__)
GENERATION_KEY = "public-data:generation"
# Its own cache (settings.CACHES["public"]), apart from the one that holds the download counts: any reader can fill
# this one with pages (every search is a URL), and a full cache evicts entries — which must never be a client's count.
PUBLIC_CACHE_ALIAS = "public"


def store():
    return caches[PUBLIC_CACHE_ALIAS]


def generation() -> str:
    """The public data's current generation (one cache read)."""
    current = store().get(GENERATION_KEY)
    if current is None:  # never set, or evicted: a new token, so no entry from before can match it
        store().add(GENERATION_KEY, _token(), timeout=None)
        current = store().get(GENERATION_KEY) or _token()
    return current


def _token() -> str:
    # Unique, not a counter: two writers replacing it at once each make a value no reader has used (an increment
    # read-modify-write in the database cache could give both the same one).
    return f"{time.time_ns():x}-{uuid.uuid4().hex[:8]}"


def bump() -> None:
    """A new generation: every cached page and count from before is out of reach."""
    try:
        store().set(GENERATION_KEY, _token(), timeout=None)
    except Exception:  # an unreachable cache must not undo a curator's save: its pages then age out
        logger.exception("the public data changed, but its generation could not be replaced in the cache")


def public_data_changed(**kwargs) -> None:
    """After a write: a new generation now (for this connection's own next read) and again when its transaction
    commits (a reader in another connection who rendered the old data in between stored it under the first).

    The database cache is written in the writer's own transaction: there a bump before the commit would be seen by
    no one else, and would hold a lock on the generation's row that every other writer waits for until this one
    commits (an import: minutes). With it, the generation is replaced once, after the commit."""
    in_transaction = connection.in_atomic_block
    if not (in_transaction and isinstance(store(), DatabaseCache)):
        bump()
    if in_transaction and not any(func is bump for _, func, _ in connection.run_on_commit):
        transaction.on_commit(bump)  # once per transaction: an import saves many records


def _model_written(sender, **kwargs) -> None:
    public_data_changed()


def _m2m_written(sender, action, **kwargs) -> None:
    if action.startswith("post_"):
        public_data_changed()


def public_models() -> list:
    """The models whose rows readers see, one by one: every model of claims and sources but their history (written
    beside the record, whose own signal counts) and the comparisons (derived, rewritten in bulk with the figures
    whose writes count already). Receivers are connected to each by name: one for every model would make Django
    delete every row of every model one at a time, to send it a signal."""
    from django.apps import apps

    from claims.models import Comparison, RejectedSuggestion

    return [model for label in ("claims", "sources") for model in apps.get_app_config(label).get_models()
            if not model._meta.model_name.startswith("historical") and model not in (Comparison, RejectedSuggestion)]


def connect() -> None:
    """Every way a write reaches the public data: saves and deletes of the public models (an import's bulk writes
    end with its ImportBatch saved; undo saves it too), their many-to-many changes, and the admin's bulk publish
    and withdraw (factbase.curation), which send no post_save."""
    from django.db.models.signals import m2m_changed, post_delete, post_save

    from factbase.curation import status_changed_in_bulk

    for model in public_models():
        post_save.connect(_model_written, sender=model, dispatch_uid=f"public-cache-saved-{model._meta.label}")
        post_delete.connect(_model_written, sender=model, dispatch_uid=f"public-cache-deleted-{model._meta.label}")
        for field in model._meta.local_many_to_many:
            m2m_changed.connect(_m2m_written, sender=field.remote_field.through,
                                dispatch_uid=f"public-cache-m2m-{model._meta.label}-{field.name}")
    status_changed_in_bulk.connect(public_data_changed, dispatch_uid="public-cache-bulk-status")


# Keys --------------------------------------------------------------------------------------------------------

def normalised_query(params, drop=()) -> str:
    """The query string with its parameters in one order (and `drop` left out): `?b=2&a=1` is `?a=1&b=2`."""
    return urlencode(sorted((key, value) for key, values in params.lists() if key not in drop for value in values))


def key(kind: str, *parts: str) -> str:
    """A cache key for `parts` in the current generation (hashed: URLs can be long, keys cannot)."""
    digest = hashlib.sha256("\n".join(parts).encode()).hexdigest()
    return f"public:{kind}:{generation()}:{digest}"


# Pages -------------------------------------------------------------------------------------------------------

def anonymous_reader(request) -> bool:
    """A GET from someone with no session or messages: the one request a shared page may answer."""
    return (request.method in ("GET", "HEAD") and settings.SESSION_COOKIE_NAME not in request.COOKIES
            and "messages" not in request.COOKIES and "format" not in request.GET)


def storable(request, response) -> bool:
    """A response that is the same for every anonymous reader, and no download."""
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    if response.has_header("Content-Disposition") or request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
        return False  # a file, or a page holding this client's CSRF token
    cache_control = {part.strip().lower() for part in cc_delim_re.split(response.get("Cache-Control", ""))}
    if cache_control & {"private", "no-store", "no-cache"}:
        return False
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return False
    session = getattr(request, "session", None)
    return not (session is not None and session.modified)


def _page_key(request, vary_on) -> str:
    headers = [request.headers.get(name, "") for name in vary_on]
    return key("page", request.get_host(), request.path, normalised_query(request.GET), *headers)


def public_page(view=None, *, vary_on: tuple[str, ...] = ()):
    """Serve the view's page to anonymous readers from the shared cache, by full URL and data generation (and the
    request headers named in `vary_on`: those the answer depends on, as its Vary header says)."""
    if view is None:
        return lambda view: public_page(view, vary_on=vary_on)

    @wraps(view)
    def cached(request, *args, **kwargs):
        if not shared() or not anonymous_reader(request):
            return _vary_on_cookie(view(request, *args, **kwargs))
        page_key = _page_key(request, vary_on)
        if (stored := store().get(page_key)) is not None:
            content, headers = stored
            return _vary_on_cookie(HttpResponse(content, headers=headers))
        response = view(request, *args, **kwargs)
        if not getattr(response, "is_rendered", True):
            response = response.render()  # a template or REST framework response: rendered now, to be kept
        if storable(request, response):
            headers = dict(response.items())
            store().set(page_key, (response.content, headers), settings.PUBLIC_CACHE_SECONDS)
        return _vary_on_cookie(response)

    return cached


def _vary_on_cookie(response):
    # A logged-in curator's page differs from a reader's: no shared cache downstream may hand one for the other.
    patch_vary_headers(response, ("Cookie",))
    return response


def shared() -> bool:
    """Whether the generation is one for every web worker (a shared cache, or one process) and pages are cached."""
    return settings.PUBLIC_CACHE_SECONDS > 0


def cached_value(kind: str, parts: tuple[str, ...], compute):
    """compute(), kept in the shared cache for the current generation (for anyone: it must hold public data only)."""
    if not shared():
        return compute()
    value_key = key(kind, *parts)
    stored = store().get(value_key)
    if stored is None:
        stored = (compute(),)  # in a tuple: None is a value too
        store().set(value_key, stored, settings.PUBLIC_CACHE_SECONDS)
    return stored[0]
