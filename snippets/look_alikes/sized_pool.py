import os

from sqlalchemy import create_engine

# At most pool_size + max_overflow = 4 connections per process.
# Keep (number of processes) x 4 below the server's max_connections.
engine = create_engine(os.environ["DATABASE_URL"], pool_size=4, max_overflow=0)
