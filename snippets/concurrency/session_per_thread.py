# The fix: one engine and one sessionmaker for the program, a Session per request.
# --8<-- [start:fix]
import os
import threading
import traceback

from sqlalchemy import create_engine, text
from sqlalchemy.orm import sessionmaker

engine = create_engine(os.environ["DATABASE_URL"])  # shared: it is a pool, not a connection
Session = sessionmaker(engine)  # shared: a factory, it holds no connection
start = threading.Barrier(2)  # the same workload as the failing example
errors = []


def handle_requests():
    try:
        for _ in range(1000):
            start.wait(timeout=10)
            with Session() as session:  # a Session per request, in this thread only
                session.execute(text("SELECT REPEAT('x', 10000)")).all()
    except threading.BrokenBarrierError:
        pass
    except Exception as exc:
        errors.append(exc)
        start.abort()


threads = [threading.Thread(target=handle_requests) for _ in range(2)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join(timeout=60)
for exc in errors:
    error = getattr(exc, "orig", None) or exc
    print(traceback.format_exception_only(error)[-1].strip())
print(f"errors: {len(errors)}")
# --8<-- [end:fix]
