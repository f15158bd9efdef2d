import os

from sqlalchemy.ext.asyncio import create_async_engine

# DATABASE_URL=mysql+asyncmy://...
engine = create_async_engine(
    os.environ["DATABASE_URL"],
    pool_pre_ping=True,
    pool_recycle=300,
    connect_args={
        "connect_timeout": 10,
        "read_timeout": 30,  # bounds a hung ping, as with the synchronous drivers
    },
)
