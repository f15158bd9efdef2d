import os

from sqlalchemy import create_engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

engine = create_engine(os.environ["DATABASE_URL"], pool_pre_ping=True)


def run_in_transaction(unit_of_work, attempts=3):
    """Run unit_of_work(session) in one transaction; if the connection is lost, redo it all."""
    for attempt in range(1, attempts + 1):
        with Session(engine) as session:
            try:
                result = unit_of_work(session)
                session.commit()
                return result
            except DBAPIError as error:
                session.rollback()
                if not error.connection_invalidated or attempt == attempts:
                    raise
