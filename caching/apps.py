from django.apps import AppConfig


class CachingConfig(AppConfig):
    """Tag versions, the page and fragment caches, the edge, and the one
    invalidation point every change passes."""

    name = "caching"

    def ready(self):
        from . import invalidation  # noqa: F401  (connects the receivers)
