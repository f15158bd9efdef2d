# The fix: each child replaces the pool it inherited; the parent's connections stay untouched.
# --8<-- [start:fix]
import os
import traceback
from multiprocessing import get_context

from sqlalchemy import create_engine, text

# read_timeout: a process whose reply another process took fails after 5 s, rather than hang
engine = create_engine(os.environ["DATABASE_URL"], connect_args={"read_timeout": 5})


def forget_parent_connections():
    engine.dispose(close=False)  # a new, empty pool; the parent's connections stay open


def run_queries(name):
    errors = []
    for _ in range(200):
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT REPEAT('x', 10000)")).all()
        except Exception as exc:
            error = getattr(exc, "orig", None) or exc
            errors.append(f"{name}: {traceback.format_exception_only(error)[-1].strip()}")
    return errors


if __name__ == "__main__":
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    with get_context("fork").Pool(2, initializer=forget_parent_connections) as pool:
        children = pool.map_async(run_queries, ["child 1", "child 2"], chunksize=1)
        errors = run_queries("parent")
        errors += [line for lines in children.get(timeout=60) for line in lines]
    for line in errors:
        print(line)
    print(f"errors: {len(errors)}")
# --8<-- [end:fix]
