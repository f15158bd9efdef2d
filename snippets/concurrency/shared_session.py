# One Session used by two threads at once: the mistake the page reproduces.
# --8<-- [start:shared]
import os
import threading
import traceback

from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

engine = create_engine(os.environ["DATABASE_URL"])
session = Session(engine)  # one Session for every thread: the mistake
session.execute(text("SELECT 1"))  # it now holds a connection, as after a first request
start = threading.Barrier(2)  # the two threads send each statement at the same moment
errors = []


def handle_requests():
    try:
        for _ in range(1000):
            start.wait(timeout=10)
            session.execute(text("SELECT REPEAT('x', 10000)")).all()
    except threading.BrokenBarrierError:
        pass  # the other thread failed first
    except Exception as exc:
        errors.append(exc)
        start.abort()  # let the other thread stop too


threads = [threading.Thread(target=handle_requests) for _ in range(2)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join(timeout=60)
for exc in errors:
    error = getattr(exc, "orig", None) or exc  # the driver's own exception, if any
    print(traceback.format_exception_only(error)[-1].strip())
# --8<-- [end:shared]
