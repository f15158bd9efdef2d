import os

from sqlalchemy import create_engine, event, text
from sqlalchemy.orm import Session

engine = create_engine(os.environ["DATABASE_URL"])


@event.listens_for(engine, "checkout")
def on_checkout(dbapi_connection, connection_record, connection_proxy):
    print("  -> connection checked out of the pool")


@event.listens_for(engine, "checkin")
def on_checkin(dbapi_connection, connection_record):
    print("  <- connection returned to the pool")


with Session(engine) as session:
    print("Session created")
    session.execute(text("SELECT 1"))
    print("first statement done")
    session.execute(text("SELECT 2"))
    print("second statement done")
    session.commit()
    print("committed")
