"""Database backends that note each commit of the current request (see core.dbdrop)."""
