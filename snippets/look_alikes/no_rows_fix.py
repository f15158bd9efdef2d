import os

from sqlalchemy import create_engine, text

engine = create_engine(os.environ["DATABASE_URL"])
with engine.begin() as conn:
    conn.execute(text("CREATE TABLE IF NOT EXISTS counters (id INT PRIMARY KEY, n INT)"))
    conn.execute(text("INSERT IGNORE INTO counters VALUES (1, 0)"))
    result = conn.execute(text("UPDATE counters SET n = n + 1 WHERE id = 1"))
    print(f"rows updated: {result.rowcount}")  # what an UPDATE has to tell
