"""Waiting for something that happens in another thread or process."""

import time


def wait_until(condition, seconds: float = 5.0, interval: float = 0.01) -> bool:
    """Poll `condition()` until it is true or `seconds` pass; returns whether
    it came true (callers assert it). A bounded poll, never a fixed sleep."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return bool(condition())
