"""The shared cache (Redis) as something the site can lose.

Every page and fragment can be made again from the database, so a Redis that
stops, restarts or cannot be reached must cost speed, never a reader's page
or an editor's save. `ResilientRedisCache` is Django's Redis backend with:

- short socket timeouts (a Redis that hangs costs at most
  NEWSROOM_CACHE_TIMEOUT per call, not a worker);
- every failure answered as a miss (reads) or as nothing (writes), logged at
  most once per outage;
- a circuit: after a failure, no call goes to Redis for
  NEWSROOM_CACHE_RETRY_SECONDS, then one is tried again;
- `cache_reconnected`, sent once by a process whose calls failed, when Redis
  answers again. Cache tags (caching.tagversions) then move every version on:
  a change saved during the outage could not bump its tags, so nothing
  stored before the outage may be served as current afterwards.
"""

import functools
import logging
import threading
import time

from django.conf import settings
from django.core.cache.backends.redis import RedisCache
from django.dispatch import Signal
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

cache_reconnected = Signal()


def _guarded(miss):
    """Run the Redis call; on failure, open the circuit and answer `miss`
    (a callable of the call's arguments)."""

    def decorate(method):
        @functools.wraps(method)
        def wrapper(self, *args, **kwargs):
            if time.monotonic() < self._closed_until:
                return miss(*args, **kwargs)
            try:
                if self._down:
                    # Back? Then first move everything on, so this very
                    # call already reads what comes after the outage.
                    self._cache.get_client(write=True).ping()
                    self._recovered()
                return method(self, *args, **kwargs)
            except RedisError as error:
                self._failed(error)
                return miss(*args, **kwargs)

        return wrapper

    return decorate


def _default(key, default=None, *args, **kwargs):
    return default


def _nothing(*args, **kwargs):
    return None


def _false(*args, **kwargs):
    return False


def _no_keys(*args, **kwargs):
    return {}


def _all_keys_failed(data, *args, **kwargs):
    return list(data)


def _counted(key, delta=1, *args, **kwargs):
    return delta


class ResilientRedisCache(RedisCache):
    def __init__(self, server, params):
        options = params.setdefault("OPTIONS", {})
        seconds = getattr(settings, "NEWSROOM_CACHE_TIMEOUT", 0.25)
        options.setdefault("socket_connect_timeout", seconds)
        options.setdefault("socket_timeout", seconds)
        super().__init__(server, params)
        self._closed_until = 0.0
        self._down = False
        self._lock = threading.Lock()

    def _failed(self, error) -> None:
        retry = getattr(settings, "NEWSROOM_CACHE_RETRY_SECONDS", 1.0)
        with self._lock:
            self._closed_until = time.monotonic() + retry
            first = not self._down
            self._down = True
        if first:
            logger.warning("Cache (Redis) unreachable, serving without it: %s", error)

    def _recovered(self) -> None:
        with self._lock:
            if not self._down:
                return
            self._down = False
        logger.warning("Cache (Redis) reachable again")
        cache_reconnected.send(sender=type(self), cache=self)

    @property
    def available(self) -> bool:
        """False from a failed call until Redis answers again (for health
        reports)."""
        return not self._down

    get = _guarded(_default)(RedisCache.get)
    get_many = _guarded(_no_keys)(RedisCache.get_many)
    has_key = _guarded(_false)(RedisCache.has_key)
    add = _guarded(_false)(RedisCache.add)
    set = _guarded(_nothing)(RedisCache.set)
    set_many = _guarded(_all_keys_failed)(RedisCache.set_many)
    touch = _guarded(_false)(RedisCache.touch)
    delete = _guarded(_false)(RedisCache.delete)
    delete_many = _guarded(_nothing)(RedisCache.delete_many)
    incr = _guarded(_counted)(RedisCache.incr)
    clear = _guarded(_nothing)(RedisCache.clear)

    @_guarded(lambda *args, **kwargs: 0)
    def hit(self, key, seconds: int) -> int:
        """One more at the counter `key`, which lives `seconds` from its
        first hit; its count, in one round trip (rate limits: Django's
        add() then incr() take three). 0 while Redis is away."""
        return int(
            self._cache.get_client(write=True).eval(
                _HIT, 1, self.make_and_validate_key(key), int(seconds)
            )
        )

    @_guarded(_nothing)
    def raise_to(self, key, value: int) -> None:
        """Set the integer at `key` to `value` unless it already holds more,
        in one step (two servers raising it at once keep the larger)."""
        self._cache.get_client(write=True).eval(
            _RAISE_TO, 1, self.make_and_validate_key(key), int(value)
        )


_HIT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return count
"""

_RAISE_TO = """
local current = tonumber(redis.call('GET', KEYS[1]) or '-1')
if current == nil or current < tonumber(ARGV[1]) then
    redis.call('SET', KEYS[1], ARGV[1])
end
"""
