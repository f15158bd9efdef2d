import asyncio
import os

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.orm import sessionmaker


async def main():
    engine = create_async_engine(os.environ["DATABASE_URL"])
    Session = sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)

    async def handle_request():
        async with Session() as session, session.begin():  # commits, then closes
            await session.execute(text("SELECT NOW()"))
            print("inside the block:", engine.pool.checkedout())

    await handle_request()
    print("after the block:", engine.pool.checkedout())
    await engine.dispose()


asyncio.run(main())
