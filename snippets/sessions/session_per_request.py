import os

from sqlalchemy import create_engine, text
from sqlalchemy.orm import sessionmaker

engine = create_engine(os.environ["DATABASE_URL"], pool_pre_ping=True)
Session = sessionmaker(engine)  # a factory: it holds no connection


def handle_request():
    with Session() as session:  # a Session per request, closed when the request ends
        return session.execute(text("SELECT NOW()")).scalar_one()
