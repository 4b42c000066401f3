from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo accounts and data (`seed_demo`) and the national data set (`seed_national`).

    The last app in the import order: it calls every other app's services, and nothing imports it.
    """

    name = "demo"
    verbose_name = "meritsys demo data"
