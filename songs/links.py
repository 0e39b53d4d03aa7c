"""Addresses of a row's views (a clip's player, its Like, its downloads...) at the cost of a string join.

A project page draws some fifteen links for each of its clips, and Django's ``reverse()`` (``{% url %}``)
costs about 40 µs a call: with twenty clips on the page, most of the page's time was spent there.
``reverse_fast`` reverses each view once, with a sample in place of the argument that changes from row to
row (the clip's uid, a row id), and makes every other address of that view by putting the row's value in
the sample's place. Templates use it as ``{% fast_url 'songs:clip_like' clip.uid %}`` (studio tags).
"""

from __future__ import annotations

import uuid

from django.urls import get_resolver, get_script_prefix, get_urlconf, reverse

# A value of each kind of varying argument that no address holds otherwise: it marks where the row's own
# value goes. Each matches its path converter (uuid, int), so reverse() accepts it.
_SAMPLES = {uuid.UUID: uuid.UUID("5ca1ab1e-0000-4000-8000-00000000f00d"), int: 918273645546372819}

# (URL configuration, script prefix, view, kind of varying argument, other arguments) -> the address's
# text before and after the varying argument; None when the sample shows up other than once (then plain
# reverse() each time).
_patterns: dict[tuple, tuple[str, str] | None] = {}


def where() -> tuple:
    """What reverse() depends on besides the view and its arguments: the URL configuration in use and the
    script prefix (both read from request-local state, a few µs each: a template reads them once)."""
    return get_resolver(get_urlconf()), get_script_prefix()


def reverse_fast(viewname: str, varying, *args, at: tuple | None = None) -> str:
    """``reverse(viewname, args=[varying, *args])``, where ``varying`` (a UUID or an int) differs between
    calls and ``args`` seldom do: the same address, made from the view's pattern reversed once.

    Keyed by the URL configuration in use and the script prefix (``at``: ``where()``, when the caller
    read it already), as reverse() itself depends on them."""
    kind = type(varying)
    if kind not in _SAMPLES or kind is int and varying < 0:  # a str, a bool...: reverse() as asked
        return reverse(viewname, args=[varying, *args])
    key = (*(at or where()), viewname, kind, args)
    try:
        pattern = _patterns[key]
    except KeyError:
        sample = str(_SAMPLES[kind])
        parts = reverse(viewname, args=[_SAMPLES[kind], *args]).split(sample)
        pattern = _patterns[key] = (parts[0], parts[1]) if len(parts) == 2 else None
    if pattern is None:
        return reverse(viewname, args=[varying, *args])
    return f"{pattern[0]}{varying}{pattern[1]}"
