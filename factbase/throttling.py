"""Who is trying to log in, as login throttling (django-axes) counts them: an address and a username."""

import ipaddress

from django.conf import settings
from django.contrib.auth import get_user_model


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
