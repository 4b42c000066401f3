"""Celery application.

With REDIS_URL unset the settings make every task run eagerly in-process (the embedded mode),
so the same code paths work with no services at all.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "meritsys.settings")

app = Celery("meritsys")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
