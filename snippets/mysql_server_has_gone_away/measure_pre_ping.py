import os
import timeit

from sqlalchemy import create_engine


def checkout_cost(engine, n=1000):
    """Microseconds per checkout: the best of 5 batches of n checkouts."""

    def checkout_and_return():
        with engine.connect():
            pass

    best = min(timeit.repeat(checkout_and_return, number=n, repeat=5))
    return best / n * 1e6


for pre_ping in (False, True):
    engine = create_engine(os.environ["DATABASE_URL"], pool_pre_ping=pre_ping)
    engine.connect().close()  # open the pooled connection before timing
    print(f"pool_pre_ping={pre_ping!s:<5} {checkout_cost(engine):6.1f} µs per checkout")
    engine.dispose()
