import os

from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

engine = create_engine(os.environ["DATABASE_URL"])  # pool_size=5, max_overflow=10
kept = []  # e.g. a cache, or a background task, that holds on to each request's Session


def handle_request():
    session = Session(engine)  # never closed: its connection never goes back to the pool
    session.execute(text("SELECT 1"))
    kept.append(session)
