import asyncio
import os

from sqlalchemy.ext.asyncio import create_async_engine

# DATABASE_URL=mysql+aiomysql://...
engine = create_async_engine(
    os.environ["DATABASE_URL"],
    pool_pre_ping=True,
    pool_recycle=300,
    connect_args={"connect_timeout": 10},  # aiomysql has no read or write timeout
)


async def scalar(statement, timeout=30):
    """Run one statement and return its value; give up after `timeout` seconds,
    waiting for the pre-ping included."""
    async with asyncio.timeout(timeout):  # Python 3.11+ (before: asyncio.wait_for)
        async with engine.connect() as conn:
            return await conn.scalar(statement)
