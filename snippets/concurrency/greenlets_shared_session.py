# One Session used by two greenlets at once (gevent): the mistake the page reproduces.
# --8<-- [start:shared]
from gevent import monkey

monkey.patch_all()

import os
import traceback

import gevent
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

engine = create_engine(os.environ["DATABASE_URL"])
session = Session(engine)  # one Session for every greenlet: the mistake
session.execute(text("SELECT 1"))  # it now holds a connection, as after a first request
errors = []
wrong_replies = []


def handle_requests(name):
    try:
        for number in range(10):
            sent = f"{name}-{number}"
            query = text("SELECT :sent, SLEEP(0.05)")  # a statement that takes a moment
            received = session.execute(query, {"sent": sent}).one()[0]
            if received != sent:
                wrong_replies.append(f"{name} sent {sent}, received {received}")
    except Exception as exc:
        errors.append(exc)


gevent.joinall([gevent.spawn(handle_requests, name) for name in "ab"], timeout=60)
for exc in errors:
    error = getattr(exc, "orig", None) or exc  # the driver's own exception, if any
    print(traceback.format_exception_only(error)[-1].strip())
for reply in wrong_replies:
    print(reply)
print(f"errors: {len(errors)}, wrong replies: {len(wrong_replies)}")
# --8<-- [end:shared]
