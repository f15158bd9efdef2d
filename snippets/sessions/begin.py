import os

from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

engine = create_engine(os.environ["DATABASE_URL"])
with engine.begin() as conn:
    conn.execute(text("CREATE TABLE IF NOT EXISTS visits (id INT AUTO_INCREMENT PRIMARY KEY)"))

with Session(engine) as session, session.begin():
    session.execute(text("INSERT INTO visits () VALUES ()"))
    print("inside the block:", engine.pool.checkedout())
# Leaving the block committed the transaction (or rolled it back on an exception)
# and closed the Session: the connection is back in the pool.
print("after the block:", engine.pool.checkedout())
