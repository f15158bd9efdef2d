import os

from sqlalchemy import create_engine, text

engine = create_engine(os.environ["DATABASE_URL"])


def export(handle):
    """Pass every row of the table to handle(row), streamed from the server."""
    with engine.connect() as conn:
        result = conn.execution_options(stream_results=True).execute(
            text("SELECT id, payload FROM events ORDER BY id")
        )
        for row in result:
            handle(row)  # while this runs, the server waits to send the next rows
