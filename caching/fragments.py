"""Rendered fragments (article body and header, author boxes, neighbours,
navigation, comment thread, the blank comment form) kept in the cache under
keys that contain the versions of the tags they depend on (caching/tagversions.py).

A key names exactly one rendering: when an article, a listing or the site
changes, its tag version moves on and the next request renders under a new
key (the old entry just expires). That also makes a process-local copy safe:
the content behind a key never changes, so each process keeps the fragments
it used recently and reads the shared cache (Redis) only for ones it has not
seen yet.
"""

import pickle
import threading
from collections.abc import Callable

from cachetools import LRUCache
from django.conf import settings
from django.core.cache import cache
from django.utils import translation
from django.utils.safestring import mark_safe

from .tagversions import versions


class LocalCopies:
    """This process's copies of immutable cached values: a cachetools LRU
    bounded in bytes (NEWSROOM_PAGE_CACHE_LOCAL_MB, shared by page entries
    and fragments), safe to use from several threads."""

    def __init__(self, size: Callable[[object], int]):
        self._size = size
        self._lock = threading.Lock()
        self._lru: LRUCache | None = None

    def _cache(self) -> LRUCache:
        budget = settings.NEWSROOM_PAGE_CACHE_LOCAL_MB * 1024 * 1024
        if self._lru is None or self._lru.maxsize != budget:
            self._lru = LRUCache(maxsize=budget, getsizeof=self._size)
        return self._lru

    def get(self, key):
        with self._lock:
            return self._cache().get(key)

    def put(self, key, value) -> None:
        with self._lock:
            try:
                self._cache()[key] = value
            except ValueError:  # larger than the whole budget: not kept
                pass

    def clear(self) -> None:
        with self._lock:
            self._lru = None


_local = LocalCopies(size=len)


def fragment_key(name: str, tags, *vary) -> str:
    """`name` + the current versions of `tags` + anything else it varies on
    + the active language (fragments hold the site's translated words)."""
    found = versions(tags)
    parts = [
        name,
        *(f"{t}={found[t]}" for t in tags),
        *map(str, vary),
        translation.get_language() or "",
    ]
    return "fragment:" + "|".join(parts)


def enabled() -> bool:
    return getattr(settings, "NEWSROOM_FRAGMENT_CACHE", True)


def get_or_render(key: str, render: Callable[[], str], timeout=None) -> str:
    """The fragment under `key` (from fragment_key), rendered on a miss."""
    if not enabled():
        return mark_safe(str(render()))
    html = _local.get(key)
    if html is None:
        html = cache.get(key)
        if html is None:
            html = str(render())
            if timeout is None:
                timeout = settings.NEWSROOM_FRAGMENT_CACHE_SECONDS
            cache.set(key, html, timeout)
        _local.put(key, html)
    return mark_safe(html)


_local_objects = LocalCopies(size=len)


def get_or_load(key: str, load: Callable[[], object]):
    """A model instance kept under a versioned `key`, loaded on a miss (None
    is returned, never kept: unknown ids must not fill the cache). Stored
    pickled, so every request gets its own copy."""
    if not enabled():
        return load()
    value = recall(key)
    if value is None:
        value = load()
        if value is not None:
            remember(key, value)
    return value


def recall(key: str):
    """The value remembered under `key` (None if unknown), from this process's
    copy or the shared cache. Under a versioned key it is current; under a
    hint's key it can be out of date, and the caller checks it."""
    if not enabled():
        return None
    data = _local_objects.get(key)
    if data is None:
        data = cache.get(key)
        if data is None:
            return None
        _local_objects.put(key, data)
    return pickle.loads(data)


def remember(key: str, value):
    """Keep `value` under `key` (a versioned key, or a hint's); returns it."""
    if not enabled():
        return value
    data = pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
    cache.set(key, data, settings.NEWSROOM_FRAGMENT_CACHE_SECONDS)
    _local_objects.put(key, data)
    return value


def clear_local_copies() -> None:
    _local.clear()
    _local_objects.clear()
    _site_values.clear()


# Site-wide values (a settings row, a short list of ids): one per tag, copied
# per process for as long as the tag's version holds.
_site_values: dict = {}


def site_value(name: str, tag: str, load: Callable[[], object]):
    """A small site-wide value read by nearly every request, kept in the
    shared cache under `tag`'s version and copied per process until the tag
    moves on. Unlike fragments it is kept with the fragment cache switched
    off too: it is a fact of the site, not a rendering."""
    version = versions([tag])[tag]
    copy = _site_values.get(name)
    if copy is not None and copy[0] == version:
        return copy[1]
    key = f"site-value:{name}:{version}"
    value = cache.get(key)
    if value is None:
        value = load()
        cache.set(key, value, 24 * 3600)
    _site_values[name] = (version, value)
    return value
