# The fix: one engine and one async_sessionmaker, an AsyncSession per task.
# --8<-- [start:fix]
import asyncio
import os

from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine


async def main():
    engine = create_async_engine(os.environ["DATABASE_URL"])  # shared by every task
    Session = async_sessionmaker(engine)  # shared: a factory, it holds no connection

    async def handle_request():
        async with Session() as session:  # an AsyncSession per task
            return (await session.execute(text("SELECT REPEAT('x', 10000)"))).all()

    try:
        results = await asyncio.gather(*(handle_request() for _ in range(5)))
        print(f"tasks done: {len(results)}")
    finally:
        await engine.dispose()


asyncio.run(main())
# --8<-- [end:fix]
