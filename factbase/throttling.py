"""Who a client is, as the throttles count them: login throttling (django-axes) by address and username, and the
budget of downloads (`?format=…`) each address may take."""

import ipaddress
import math
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache


def client_ip(request) -> str | None:
    """REMOTE_ADDR; behind TRUSTED_PROXY_COUNT proxies, the address the outermost of them was connected from.

    Each proxy appends the address it was connected from to X-Forwarded-For, so with n trusted proxies
    the n-th entry from the right is the client. Everything left of it was written by the client and
    proves nothing; without trusted proxies the whole header is the client's word and is ignored.
    """
    remote = request.META.get("REMOTE_ADDR") or None
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    # rsplit with a limit reads only the trusted end of the header, however long the client made it.
    hops = request.META.get("HTTP_X_FORWARDED_FOR", "").rsplit(",", count)
    if len(hops) < count:
        return remote  # fewer hops than proxies: this request did not come through all of them
    try:
        return str(ipaddress.ip_address(hops[-count].strip()))
    except ValueError:
        return remote


def username(request, credentials: dict | None) -> str | None:
    """The username tried, cut to the longest a username can be.

    Django's login form checks no length, and axes keeps the name in 255 characters: a longer one was a
    500 on PostgreSQL. No account has a longer name, so the cut loses nothing that could log in.
    """
    name = credentials.get("username") if credentials else request.POST.get("username")
    if name is None:
        return None
    return name[: get_user_model()._meta.get_field("username").max_length]


def export_wait(request) -> int:
    """0 when this client may take another download now; else the seconds until its budget is renewed.

    Each address may take EXPORT_RATE_LIMIT downloads in each window of EXPORT_RATE_WINDOW seconds (a fixed
    window: at its turn a client may take up to twice the budget in a short time, never more). The count
    lives in Django's cache: it is shared by every worker only when the cache is (CACHE_URL).
    """
    limit, window = settings.EXPORT_RATE_LIMIT, settings.EXPORT_RATE_WINDOW
    if limit <= 0:
        return 0  # 0 turns the limit off
    now = time.time()
    start = int(now // window) * window
    key = f"exports:{client_ip(request) or 'unknown'}:{start}"
    cache.add(key, 0, timeout=window + 1)
    try:
        taken = cache.incr(key)
    except ValueError:  # the window ended between add and incr: this is the first of the next one
        cache.set(key, 1, timeout=window + 1)
        taken = 1
    return 0 if taken <= limit else max(1, math.ceil(start + window - now))
