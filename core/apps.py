from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The shared kernel: errors, middleware, formatting, form widgets, template filters, test support.

    It imports no other app of the project; every app may import it.
    """

    name = "core"
    verbose_name = "meritsys core"
