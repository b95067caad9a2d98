from django.apps import AppConfig


class CommentsConfig(AppConfig):
    name = "comments"

    def ready(self):
        from . import quiet, signals  # noqa: F401  (quiet hours' check; receivers)
