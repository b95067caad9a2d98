from django.apps import AppConfig


class CommentsConfig(AppConfig):
    name = "comments"

    def ready(self):
        from newsroom import checks  # noqa: F401  (the site origin check)

        from . import quiet, signals  # noqa: F401  (quiet hours' check; receivers)
