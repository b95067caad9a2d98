"""Fixed-window counters in the shared cache, for rate limits (the content
API, newsletter sign-ups): one round trip a request with the site's Redis
backend (caching.cache.ResilientRedisCache.hit), add() then incr()
elsewhere (tests' local memory). While Redis is away nothing is counted,
so no one is refused for it."""

import hashlib
import time

from django.core.cache import cache


def count(scope: str, value: str, window: int) -> tuple[int, int]:
    """One more request of `value` (an address, a key, an e-mail) in
    `scope`'s current window of `window` seconds: (how many so far, seconds
    until the window ends)."""
    now = time.time()
    start = int(now // window)
    digest = hashlib.sha256(value.lower().encode()).hexdigest()[:32]
    key = f"rate:{scope}:{digest}:{start}"
    left = max(1, int((start + 1) * window - now) + 1)
    hit = getattr(cache, "hit", None)
    if hit is not None:
        return hit(key, window + 5), left
    cache.add(key, 0, window + 5)
    try:
        return cache.incr(key), left
    except ValueError:  # the entry ended between the two calls
        cache.add(key, 1, window + 5)
        return 1, left
