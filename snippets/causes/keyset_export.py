import os

from sqlalchemy import create_engine, text

engine = create_engine(os.environ["DATABASE_URL"])

PAGE = text("SELECT id, payload FROM events WHERE id > :last_id ORDER BY id LIMIT :size")


def export(handle, size=1000):
    """Pass every row of the table to handle(row), one page of `size` rows at a time."""
    last_id = 0
    while True:
        with engine.connect() as conn:
            rows = conn.execute(PAGE, {"last_id": last_id, "size": size}).all()
        if not rows:
            return
        for row in rows:  # no query is open while handle() runs
            handle(row)
        last_id = rows[-1].id
