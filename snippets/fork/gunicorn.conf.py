# gunicorn's configuration file (gunicorn reads ./gunicorn.conf.py by default).
# --8<-- [start:post_fork]
def post_fork(server, worker):
    from app import engine

    engine.dispose(close=False)  # this worker's own pool; the master's connection stays open


# --8<-- [end:post_fork]
