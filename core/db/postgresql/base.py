from django.db.backends.postgresql import base

from core.dbdrop import CommitNotingMixin


class DatabaseWrapper(CommitNotingMixin, base.DatabaseWrapper):
    pass
