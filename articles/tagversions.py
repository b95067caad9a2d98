"""Version numbers of cache tags ("site", "lists", "article:<pk>"), shared by
every app server through the configured cache.

A cached page or fragment records the versions it was made with and is used
only while they are unchanged; `bump()` moves a tag on. Reading the versions
from Redis on every hit costs a round trip, so with Redis each process also
keeps the versions it has read, and drops one as soon as a notice of its bump
arrives on a Redis pub/sub channel (every `bump()` publishes one). The local
table is used only while the subscription is confirmed live: before it is
confirmed, after the connection drops, or when nothing (not even a pong) has
come back for LIVENESS_SECONDS, every read goes to Redis again and the table
starts empty on reconnection, so a notice missed while disconnected cannot
leave a stale version behind.

With the local-memory cache (one process, development) versions are read
from it directly.
"""

import logging
import os
import threading
import time
from contextlib import contextmanager
from contextvars import ContextVar

import redis
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

VERSION_PREFIX = "pagecache:v:"
CHANNEL = "pagecache:bumps"
LIVENESS_SECONDS = 5.0
PING_SECONDS = 1.0

log = logging.getLogger(__name__)


def bump(*tags: str) -> None:
    """Invalidate every cached page and fragment that depends on `tags`."""
    for tag in tags:
        key = VERSION_PREFIX + tag
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, int(time.time() * 1000), None)
    snapshot = _snapshot.get()
    if snapshot is not None:
        for tag in tags:
            snapshot.pop(tag, None)
    listener = _listener()
    if listener is not None:
        listener.forget(tags)
        listener.publish(tags)


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
    """{tag: version} for `tags`, starting missing ones at the current time."""
    snapshot = _snapshot.get()
    if snapshot is None:
        return _scheduled(_current(tags))
    missing = [t for t in tags if t not in snapshot]
    if missing:
        snapshot.update(_scheduled(_current(missing)))
    return {t: snapshot[t] for t in tags}


# When the next scheduled story goes live, per "lists" version (this process).
_next_due = {"version": None, "at": None}


def _scheduled(found: dict) -> dict:
    """A scheduled story goes live with no save to bump anything: the first
    request after its time moves "lists" on, so listings, neighbour links
    and related lists show it at once. The next due time is read from the
    database once per "lists" version in each process."""
    if "lists" not in found:
        return found
    if _next_due["version"] != found["lists"]:
        from .models import Article

        _next_due.update(
            version=found["lists"], at=Article.objects.next_scheduled_time()
        )
    due = _next_due["at"]
    if due is not None and due <= timezone.now():
        bump("lists")
        found = {**found, **_current(["lists"])}
        _next_due.update(version=None, at=None)
    return found


def _current(tags) -> dict:
    listener = _listener()
    if listener is not None:
        known, generation = listener.known(tags)
        if known is not None:
            return known
    found = _read(tags)
    if listener is not None:
        listener.remember(found, generation)
    return found


def _read(tags) -> dict:
    keys = {VERSION_PREFIX + t: t for t in tags}
    found = cache.get_many(list(keys))
    missing = {k: int(time.time() * 1000) for k in keys if k not in found}
    if missing:
        # add() so two servers starting the same tag agree on one value.
        for key, value in missing.items():
            if not cache.add(key, value, None):
                value = cache.get(key, value)
            found[key] = value
    return {keys[k]: v for k, v in found.items()}


class _Listener:
    """This process's table of known versions and its subscription thread."""

    def __init__(self, client, channel: str):
        self.client = client
        self.channel = channel
        self.table: dict = {}
        self.generation = 0
        self.live = False
        self.last_heard = 0.0
        self.lock = threading.Lock()
        self.stopping = False
        self.thread = threading.Thread(
            target=self._run, name="pagecache-versions", daemon=True
        )
        self.thread.start()

    # -- used by request threads ------------------------------------------
    def known(self, tags):
        """(versions, None) when every tag is known and the subscription is
        live, else (None, generation) to pass to remember() after a read."""
        with self.lock:
            if self.live and time.monotonic() - self.last_heard < LIVENESS_SECONDS:
                try:
                    return {t: self.table[t] for t in tags}, None
                except KeyError:
                    pass
            return None, self.generation

    def remember(self, found: dict, generation) -> None:
        with self.lock:
            # Only if no notice arrived (and no reconnection happened) while
            # we were reading: otherwise the value read may already be old.
            if self.live and generation == self.generation:
                self.table.update(found)

    def forget(self, tags) -> None:
        with self.lock:
            for tag in tags:
                self.table.pop(tag, None)
            self.generation += 1

    def publish(self, tags) -> None:
        for tag in tags:
            self.client.publish(self.channel, tag)

    def stop(self) -> None:
        self.stopping = True
        self.thread.join(timeout=5)

    # -- the subscription thread ------------------------------------------
    def _run(self) -> None:
        while not self.stopping:
            pubsub = self.client.pubsub()
            try:
                self._listen(pubsub)
            except Exception as error:  # connection lost: read from Redis again
                log.warning("page cache version notices interrupted: %s", error)
            finally:
                self._set_live(False)
                try:
                    pubsub.close()
                except Exception:
                    pass
            if not self.stopping:
                time.sleep(0.5)

    def _listen(self, pubsub) -> None:
        pubsub.subscribe(self.channel)
        last_ping = time.monotonic()
        while not self.stopping:
            message = pubsub.get_message(timeout=PING_SECONDS / 2)
            now = time.monotonic()
            if message is not None:
                kind = message["type"]
                if kind == "subscribe":
                    self._set_live(True)  # table starts empty from here
                elif kind == "message":
                    self.forget([message["data"].decode()])
                with self.lock:
                    self.last_heard = now
            elif now - self.last_heard > LIVENESS_SECONDS:
                raise ConnectionError("no answer from Redis")
            if now - last_ping >= PING_SECONDS:
                pubsub.ping()
                last_ping = now

    def _set_live(self, live: bool) -> None:
        with self.lock:
            self.live = live
            self.table.clear()
            self.generation += 1
            self.last_heard = time.monotonic()


_state = {"key": None, "listener": None}
_state_lock = threading.Lock()


def _listener():
    """This process's listener when the cache is Redis (else None)."""
    config = settings.CACHES["default"]
    if not config["BACKEND"].endswith("RedisCache"):
        return None
    location = config["LOCATION"]
    if not isinstance(location, str):
        location = location[0]
    key = (os.getpid(), location, config.get("KEY_PREFIX", ""))
    if _state["key"] == key:
        return _state["listener"]
    with _state_lock:
        if _state["key"] != key:
            old = _state["listener"]
            if old is not None:
                old.stopping = True  # another process's, or an old backend
            client = redis.Redis.from_url(location, health_check_interval=0)
            channel = cache.make_key(CHANNEL)
            _state.update(key=key, listener=_Listener(client, channel))
        return _state["listener"]


def stop_listener() -> None:
    """Stop this process's subscription (tests switch cache backends)."""
    with _state_lock:
        listener = _state["listener"]
        _state.update(key=None, listener=None)
    if listener is not None:
        listener.stop()
