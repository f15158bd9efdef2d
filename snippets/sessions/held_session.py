import os

from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

engine = create_engine(os.environ["DATABASE_URL"], pool_pre_ping=True)
session = Session(engine)  # one Session for the whole program: the mistake


def handle_request():
    # The first statement checks a connection out; nothing ever commits or closes,
    # so the Session keeps it, idle, until the next request.
    return session.execute(text("SELECT NOW()")).scalar_one()
