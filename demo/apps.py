from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo company (`manage.py seed_demo`) and the benchmarks (`manage.py bench`).

    On top of every other app: it builds data through their services and measures them.
    """

    name = "demo"
    verbose_name = "Demo and benchmarks"
