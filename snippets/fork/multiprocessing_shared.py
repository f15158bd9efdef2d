# A pool that connected before multiprocessing forked: parent and children share its socket.
# --8<-- [start:shared]
import os
import traceback
from multiprocessing import get_context

from sqlalchemy import create_engine, text

# read_timeout: a process whose reply another process took fails after 5 s, rather than hang
engine = create_engine(os.environ["DATABASE_URL"], connect_args={"read_timeout": 5})


def run_queries(name):
    errors = []
    for _ in range(200):
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT REPEAT('x', 10000)")).all()
        except Exception as exc:
            error = getattr(exc, "orig", None) or exc  # the driver's own exception, if any
            errors.append(f"{name}: {traceback.format_exception_only(error)[-1].strip()}")
    return errors


if __name__ == "__main__":
    with engine.connect() as conn:  # e.g. a check at startup: the pool now holds a connection
        conn.execute(text("SELECT 1"))
    with get_context("fork").Pool(2) as pool:
        children = pool.map_async(run_queries, ["child 1", "child 2"], chunksize=1)
        errors = run_queries("parent")  # the parent goes on using its engine meanwhile
        errors += [line for lines in children.get(timeout=60) for line in lines]
    for line in errors:
        print(line)
    print(f"errors: {len(errors)}")
# --8<-- [end:shared]
