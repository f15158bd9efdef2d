import os

from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

engine = create_engine(os.environ["DATABASE_URL"])

session = Session(engine)
print("new Session:", engine.pool.checkedout())
session.execute(text("SELECT 1"))  # autobegin: a transaction starts, a connection is checked out
print("after a statement:", engine.pool.checkedout())
session.execute(text("SELECT 2"))  # same transaction, same connection
print("after a second statement:", engine.pool.checkedout())
session.commit()  # the transaction ends and the connection goes back to the pool
print("after commit():", engine.pool.checkedout())
session.execute(text("SELECT 3"))  # the same Session begins a new transaction
print("after a statement:", engine.pool.checkedout())
session.rollback()
print("after rollback():", engine.pool.checkedout())
session.execute(text("SELECT 4"))
print("after a statement:", engine.pool.checkedout())
session.close()
print("after close():", engine.pool.checkedout())
