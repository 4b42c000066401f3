from django.db.backends.sqlite3 import base

from core.dbdrop import CommitNotingMixin


class DatabaseWrapper(CommitNotingMixin, base.DatabaseWrapper):
    pass
