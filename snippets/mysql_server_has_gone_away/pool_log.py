import logging
import os
import time

from sqlalchemy import create_engine, text

# What the pool does, on stderr: INFO shows replaced connections, DEBUG every ping.
logging.basicConfig(format="%(levelname)s %(name)s: %(message)s")
logging.getLogger("sqlalchemy.pool").setLevel(logging.INFO)

engine = create_engine(
    os.environ["DATABASE_URL"],
    pool_pre_ping=True,
    connect_args={"init_command": "SET SESSION wait_timeout = 1"},
)

with engine.connect() as conn:
    conn.execute(text("SELECT 1"))

time.sleep(2)  # the server closes the pooled connection

with engine.connect() as conn:  # pre-ping finds it closed and replaces it
    print(conn.execute(text("SELECT 'still working'")).scalar_one())
