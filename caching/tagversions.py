"""Version numbers of cache tags ("site", "lists", "article:<pk>"), shared by
every app server through the configured cache (Redis in production).

A cached page or fragment records the versions it was made with and is used
only while they are unchanged; `bump()` (called by caching.invalidation, the
one invalidation point) moves a tag on.

Each process keeps the versions it has read for at most
NEWSROOM_VERSION_SECONDS (0.5 s by default), so that a page-cache hit rarely
costs a round trip to Redis: a bump made by this process is seen at once, a
bump made by another server within that bound. (redis-py's server-assisted
client-side caching would make the bound zero, but it needs Redis 7.4 or
newer and Debian 12 ships 7.0; 0 here reads Redis on every request.)
"""

import functools
import threading
import time
from contextlib import contextmanager
from contextvars import ContextVar

from cachetools import TTLCache
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.module_loading import import_string

from infra import replica

VERSION_PREFIX = "pagecache:v:"
# A tag every version includes: moving it on drops every cached page and
# fragment at once (after the shared cache was unreachable: bumps made
# meanwhile were lost; see caching.cache).
EPOCH = "epoch"

_local = {"copies": None, "generation": 0}
_MISSING = object()
_lock = threading.Lock()


def _copies() -> TTLCache:
    seconds = settings.NEWSROOM_VERSION_SECONDS
    copies = _local["copies"]
    if copies is None or copies.ttl != seconds:
        copies = _local["copies"] = TTLCache(maxsize=100_000, ttl=seconds)
    return copies


def forget_local_versions() -> None:
    """Drop this process's copies (tests switching cache backends)."""
    with _lock:
        _local["copies"] = None
        _local["generation"] += 1


def bump(*tags: str) -> None:
    """Invalidate every cached page and fragment that depends on `tags`."""
    for tag in tags:
        key = VERSION_PREFIX + tag
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, int(time.time() * 1000), None)
    with _lock:
        copies = _copies()
        for tag in tags:
            copies.pop(tag, None)
        _local["generation"] += 1
    snapshot = _snapshot.get()
    if snapshot is not None:
        for tag in tags:
            snapshot.pop(tag, None)


_snapshot: ContextVar[dict | None] = ContextVar("tag_versions", default=None)


@contextmanager
def request_snapshot():
    """Within a request, the first version read of a tag is the one used for
    the rest of it. A page or fragment is then always stored under versions
    read *before* the data it shows, so a change committed while it renders
    leaves it already out of date instead of stored as current."""
    token = _snapshot.set({})
    try:
        yield
    finally:
        _snapshot.reset(token)


def versions(tags) -> dict:
    """{tag: version} for `tags`, starting missing ones at the current time;
    each version includes the epoch's."""
    wanted = [*tags, EPOCH]
    snapshot = _snapshot.get()
    if snapshot is None:
        found = _scheduled(_current(wanted))
    else:
        missing = [t for t in wanted if t not in snapshot]
        if missing:
            snapshot.update(_scheduled(_current(missing)))
        found = snapshot
    epoch = found[EPOCH]
    return {t: f"{epoch}.{found[t]}" for t in tags}


# Per process and per scheduled tag (settings.CACHING_SCHEDULES): the
# version last seen, the moment the pages then showed up to, and the next
# moment their content changes by the clock.
_schedules: dict[str, dict] = {}


def next_due(tags=None):
    """The next moment a page showing `tags` (default: every scheduled tag)
    changes by the clock, as this process last read it (None: none, or not
    read yet)."""
    moments = [
        state["next"]
        for tag, state in _schedules.items()
        if state["next"] is not None and (tags is None or tag in tags)
    ]
    return min(moments, default=None)


@functools.cache
def _schedule_of(tag):
    """The function that says, for `tag`, (the latest moment reached, the
    next one to come) (settings.CACHING_SCHEDULES: the apps provide them,
    so this module never imports them)."""
    return import_string(settings.CACHING_SCHEDULES[tag])


def _scheduled(found: dict) -> dict:
    """Some changes come with the clock, with no save to bump anything: a
    scheduled story goes live ("lists"), a front-page place starts or ends
    ("front"). So the version of such a tag carries the latest moment
    reached: when the next one comes, the pages showing the tag are stored
    under a new version and show the change at once, and nothing is written
    (every process reads the same moment from the database, once per version
    and once each time a moment comes)."""
    scheduled = settings.CACHING_SCHEDULES.keys() & found.keys()
    if not scheduled:
        return found  # most reads: no clock to consult
    now = timezone.now()
    for tag in scheduled:
        state = _schedules.setdefault(tag, dict.fromkeys(("version", "shown", "next")))
        due = state["next"]
        if state["version"] != found[tag] or (due is not None and due <= now):
            shown, due = _schedule_of(tag)(now)
            state.update(version=found[tag], shown=shown, next=due)
        if state["shown"] is not None:
            found = {**found, tag: f"{found[tag]}~{state['shown'].timestamp():.0f}"}
    return found


def _current(tags) -> dict:
    """This process's recent copies, the rest read from the shared cache."""
    with _lock:
        copies = _copies()
        # get(), not "in" then []: an entry can expire between the two.
        found = {t: v for t in tags if (v := copies.get(t, _MISSING)) is not _MISSING}
        generation = _local["generation"]
    missing = [t for t in tags if t not in found]
    if missing:
        read = _read(missing)
        with _lock:
            # Not if a bump came in meanwhile: what was read may be older.
            if generation == _local["generation"]:
                _copies().update(read)
        found.update(read)
    return found


def _read(tags) -> dict:
    keys = {VERSION_PREFIX + t: t for t in tags}
    if replica.enabled():
        # The replica's fence comes along: data read after these versions
        # must be at least as new as the change that set them.
        found = cache.get_many([*keys, replica.FENCE_KEY])
        replica.saw_fence(found.pop(replica.FENCE_KEY, None))
    else:
        found = cache.get_many(list(keys))
    missing = {k: int(time.time() * 1000) for k in keys if k not in found}
    if missing:
        # add() so two servers starting the same tag agree on one value.
        for key, value in missing.items():
            if not cache.add(key, value, None):
                value = cache.get(key, value)
            found[key] = value
    return {keys[k]: v for k, v in found.items()}
