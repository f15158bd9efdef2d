import os

from sqlalchemy import create_engine, text
from sqlalchemy.orm import scoped_session, sessionmaker

engine = create_engine(os.environ["DATABASE_URL"], pool_pre_ping=True)
Session = scoped_session(sessionmaker(engine))  # one Session per thread, kept in a registry


def handle_request():
    return Session.execute(text("SELECT NOW()")).scalar_one()


def serve(requests):
    """The server's loop: each request runs handle_request(); an error fails that request only."""
    for number in requests:
        try:
            handle_request()
            print(f"request {number}: 200 OK")
        except Exception as error:
            print(f"request {number}: 500 {type(error).__name__}")
