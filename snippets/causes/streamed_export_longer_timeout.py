import os

from sqlalchemy import create_engine, text

engine = create_engine(os.environ["DATABASE_URL"])


def export(handle):
    """Pass every row of the table to handle(row), streamed from the server."""
    with engine.connect() as conn:
        # This connection only: the server waits up to 10 minutes for the reader.
        conn.exec_driver_sql("SET SESSION net_write_timeout = 600")
        result = conn.execution_options(stream_results=True).execute(
            text("SELECT id, payload FROM events ORDER BY id")
        )
        for row in result:
            handle(row)
