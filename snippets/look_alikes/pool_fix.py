import os

from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

engine = create_engine(os.environ["DATABASE_URL"])


def handle_request():
    with Session(engine) as session:  # closed at the end: the connection goes back
        session.execute(text("SELECT 1"))
