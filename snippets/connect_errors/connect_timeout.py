import os

from sqlalchemy import create_engine

engine = create_engine(
    os.environ["DATABASE_URL"],
    connect_args={
        "connect_timeout": 10,  # seconds to open the connection (see the table for the greeting)
        "read_timeout": 30,  # seconds to wait for each reply: PyMySQL's wait for the greeting too
    },
)
