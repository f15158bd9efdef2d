import os

from sqlalchemy import create_engine, text

engine = create_engine(os.environ["DATABASE_URL"])

with engine.connect() as conn:
    timeouts = conn.execute(text("SELECT @@GLOBAL.wait_timeout, @@SESSION.wait_timeout"))
    print("global: {}, this connection: {}".format(*timeouts.one()))
