import asyncio
import os

from sqlalchemy import Column, Integer, String
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.orm import declarative_base

Base = declarative_base()


class User(Base):
    __tablename__ = "users"
    id = Column(Integer, primary_key=True)
    name = Column(String(50))


async def main():
    engine = create_async_engine(os.environ["DATABASE_URL"])
    Session = async_sessionmaker(engine, expire_on_commit=False)
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)

    async def create_user(name):
        async with Session() as session, session.begin():  # commits, then closes
            user = User(name=name)
            session.add(user)
            await session.flush()  # the INSERT: a connection is checked out
            print("inside the block:", engine.pool.checkedout())
        return user

    user = await create_user("alice")
    print("after the block:", engine.pool.checkedout())
    print("user.name:", user.name)  # no I/O needed: expire_on_commit=False kept it
    await engine.dispose()


asyncio.run(main())
