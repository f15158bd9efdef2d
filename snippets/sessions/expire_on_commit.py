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
Session = sessionmaker(engine)  # expire_on_commit=True, the default

with Session() as session:
    user = User(name="alice")
    session.add(user)
    session.commit()  # the connection goes back to the pool, and user's attributes expire
    print("after commit():", engine.pool.checkedout())
    print("user.name:", user.name)  # expired: a SELECT, in a new transaction
    print("after reading user.name:", engine.pool.checkedout())
print("after the block:", engine.pool.checkedout())
