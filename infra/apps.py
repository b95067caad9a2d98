from django.apps import AppConfig


class InfraConfig(AppConfig):
    """What every app runs on: the replica router, client addresses,
    middleware, workers and the system checks."""

    name = "infra"

    def ready(self):
        from . import checks  # noqa: F401  (the site origin check)
