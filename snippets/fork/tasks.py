# A Celery app whose engine connects at import time, in the worker's main process.
# --8<-- [start:tasks]
import os

from celery import Celery
from celery.signals import worker_process_init
from sqlalchemy import create_engine, text

# read_timeout: a process whose reply another process took fails after 5 s, rather than hang
engine = create_engine(os.environ["DATABASE_URL"], connect_args={"read_timeout": 5})
app = Celery("tasks")

with engine.connect() as conn:  # e.g. a check at startup: the pool now holds a connection
    conn.execute(text("SELECT 1"))


@worker_process_init.connect
def forget_parent_connections(**kwargs):
    engine.dispose(close=False)  # each pool process starts with a pool of its own


@app.task
def count_bytes():
    with engine.connect() as conn:
        return len(conn.execute(text("SELECT REPEAT('x', 10000)")).scalar())


# --8<-- [end:tasks]
