from django.apps import AppConfig


class WpimportConfig(AppConfig):
    name = "wpimport"
