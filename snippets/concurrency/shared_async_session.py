# One AsyncSession used by several tasks at once (asyncio.gather): the mistake.
# --8<-- [start:shared]
import asyncio
import os
import traceback

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine


async def main():
    engine = create_async_engine(os.environ["DATABASE_URL"])
    session = AsyncSession(engine)  # one AsyncSession for every task: the mistake

    async def handle_request():
        return (await session.execute(text("SELECT REPEAT('x', 10000)"))).all()

    results = await asyncio.gather(*(handle_request() for _ in range(5)), return_exceptions=True)
    for result in results:
        if isinstance(result, Exception):
            print(traceback.format_exception_only(result)[-1].strip())
    await session.close()
    await engine.dispose()


asyncio.run(main())
# --8<-- [end:shared]
