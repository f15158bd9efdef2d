# The fix under gevent, as with threads: a Session per request, from one sessionmaker.
# --8<-- [start:fix]
from gevent import monkey

monkey.patch_all()

import os
import traceback

import gevent
from sqlalchemy import create_engine, text
from sqlalchemy.orm import sessionmaker

engine = create_engine(os.environ["DATABASE_URL"])  # shared: it is a pool, not a connection
Session = sessionmaker(engine)  # shared: a factory, it holds no connection
errors = []
wrong_replies = []


def handle_requests(name):
    try:
        for number in range(10):
            sent = f"{name}-{number}"
            with Session() as session:  # a Session per request, in this greenlet only
                query = text("SELECT :sent, SLEEP(0.05)")
                received = session.execute(query, {"sent": sent}).one()[0]
            if received != sent:
                wrong_replies.append(f"{name} sent {sent}, received {received}")
    except Exception as exc:
        errors.append(exc)


gevent.joinall([gevent.spawn(handle_requests, name) for name in "ab"], timeout=60)
for exc in errors:
    error = getattr(exc, "orig", None) or exc
    print(traceback.format_exception_only(error)[-1].strip())
for reply in wrong_replies:
    print(reply)
print(f"errors: {len(errors)}, wrong replies: {len(wrong_replies)}")
# --8<-- [end:fix]
