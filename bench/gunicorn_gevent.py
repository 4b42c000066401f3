"""gunicorn settings for bench/rush.py's gevent run only (`--worker-class gevent`).

psycopg2 blocks the whole process while it waits for PostgreSQL unless it is told to yield to
gevent's loop; psycogreen does that once per worker. Not used in production (see
docs/performance.md for the measured choice of worker model). Needs `pip install gevent psycogreen`.
"""


def post_fork(server: object, worker: object) -> None:
    from psycogreen.gevent import patch_psycopg

    patch_psycopg()
