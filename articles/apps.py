from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    name = "articles"

    def ready(self):
        from . import invalidation  # noqa: F401  (connects the receivers)
