# A WSGI app whose engine connects at import time: under gunicorn --preload, that is in the master.
# --8<-- [start:app]
# --8<-- [start:confirm]
import os

from sqlalchemy import create_engine, event, text

# read_timeout: a process whose reply another process took fails after 5 s, rather than hang
engine = create_engine(os.environ["DATABASE_URL"], connect_args={"read_timeout": 5})


@event.listens_for(engine, "checkout")
def log_connection(dbapi_connection, connection_record, connection_proxy):
    # thread_id(): the server's id of this connection (the Id column of SHOW PROCESSLIST)
    print(f"pid {os.getpid()} uses MySQL connection {dbapi_connection.thread_id()}", flush=True)


# --8<-- [end:confirm]
with engine.connect() as conn:  # e.g. create_all() or a check at startup
    conn.execute(text("SELECT 1"))


def app(environ, start_response):
    with engine.connect() as conn:
        value = conn.execute(text("SELECT REPEAT('x', 10000)")).scalar()
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [f"{len(value)} bytes\n".encode()]


# --8<-- [end:app]
