# Does the driver let other greenlets run while it waits for the server? Two greenlets, a
# Session each, one SELECT SLEEP(1) each: the server's clock says whether they overlapped.
# --8<-- [start:overlap]
from gevent import monkey

monkey.patch_all()  # first, before anything else imports socket or threading

import os

import gevent
from sqlalchemy import create_engine, text
from sqlalchemy.orm import sessionmaker

engine = create_engine(os.environ["DATABASE_URL"])
Session = sessionmaker(engine)


def handle_request():
    with Session() as session:  # a Session per greenlet
        # SYSDATE(6): the server's clock when the statement starts, and when SLEEP(1) ends
        query = text("SELECT CONNECTION_ID(), SYSDATE(6), SLEEP(1), SYSDATE(6)")
        return session.execute(query).one()


greenlets = [gevent.spawn(handle_request) for _ in range(2)]
gevent.joinall(greenlets, timeout=30, raise_error=True)
(id_a, start_a, _, end_a), (id_b, start_b, _, end_b) = (g.value for g in greenlets)
print(f"connection {id_a}: {start_a:%H:%M:%S.%f} to {end_a:%H:%M:%S.%f}")
print(f"connection {id_b}: {start_b:%H:%M:%S.%f} to {end_b:%H:%M:%S.%f}")
print("at the same time on the server:", start_a < end_b and start_b < end_a)
# --8<-- [end:overlap]
