import os

from sqlalchemy.ext.asyncio import create_async_engine

# DATABASE_URL=mysql+aiomysql://...  or  mysql+asyncmy://...
engine = create_async_engine(os.environ["DATABASE_URL"], pool_pre_ping=True)
