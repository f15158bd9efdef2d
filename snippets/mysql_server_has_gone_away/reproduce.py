import os
import time

from sqlalchemy import create_engine, text

engine = create_engine(
    os.environ["DATABASE_URL"],
    # Ask the server to close this connection after 1 idle second
    # instead of the default 8 hours (wait_timeout = 28800).
    connect_args={"init_command": "SET SESSION wait_timeout = 1"},
)

with engine.connect() as conn:
    conn.execute(text("SELECT 1"))
# Leaving the block returned the connection to the pool. It stays open there.

time.sleep(2)  # idle for longer than wait_timeout: the server closes it

with engine.connect() as conn:  # the pool hands out the same connection
    conn.execute(text("SELECT 1"))  # OperationalError: server has gone away
