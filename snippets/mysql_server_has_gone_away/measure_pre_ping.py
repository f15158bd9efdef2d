import os
import timeit

from sqlalchemy import create_engine

for pre_ping in (False, True):
    engine = create_engine(os.environ["DATABASE_URL"], pool_pre_ping=pre_ping)
    engine.connect().close()  # open the pooled connection before timing

    def checkout_and_return():
        with engine.connect():
            pass

    best = min(timeit.repeat(checkout_and_return, number=1000, repeat=5))
    print(f"pool_pre_ping={pre_ping!s:<5} {best * 1000:6.1f} µs per checkout")
    engine.dispose()
