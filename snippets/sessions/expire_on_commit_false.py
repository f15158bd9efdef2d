import os

from sqlalchemy import Column, Integer, String, create_engine
from sqlalchemy.orm import declarative_base, sessionmaker

engine = create_engine(os.environ["DATABASE_URL"])
Base = declarative_base()


class User(Base):
    __tablename__ = "users"
    id = Column(Integer, primary_key=True)
    name = Column(String(50))


Base.metadata.create_all(engine)
Session = sessionmaker(engine, expire_on_commit=False)


def create_user(name):
    with Session() as session:
        user = User(name=name)
        session.add(user)
        session.commit()
        print("user.name:", user.name)  # kept as committed: no SELECT, no checkout
        print("after reading user.name:", engine.pool.checkedout())
        return user


user = create_user("alice")
print("after the block:", user.name, user.id is not None)
