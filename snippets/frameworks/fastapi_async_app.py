import os
from typing import Annotated

from fastapi import Depends, FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

engine = create_async_engine(os.environ["DATABASE_URL"], pool_pre_ping=True)


async def get_session():
    async with AsyncSession(engine) as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]

app = FastAPI()


@app.get("/now")
async def read_now(session: SessionDep):
    return {"now": str((await session.execute(text("SELECT NOW()"))).scalar_one())}
