from django.apps import AppConfig


class CommentsConfig(AppConfig):
    name = "comments"

    def ready(self):
        from . import checks, signals  # noqa: F401  (start-up checks; receivers)

        checks.warn_at_start()
