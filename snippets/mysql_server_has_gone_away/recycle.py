import os

from sqlalchemy import create_engine

# Replace any pooled connection older than 1 hour (the server's limit is 8 hours).
engine = create_engine(os.environ["DATABASE_URL"], pool_recycle=3600)
