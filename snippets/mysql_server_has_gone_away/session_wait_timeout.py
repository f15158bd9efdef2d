import os

from sqlalchemy import create_engine, text

engine = create_engine(os.environ["DATABASE_URL"])

with engine.connect() as conn:
    query = text("SELECT @@GLOBAL.wait_timeout, @@SESSION.wait_timeout")
    global_timeout, session_timeout = conn.execute(query).one()
    print(f"global: {global_timeout}, this connection: {session_timeout}")
