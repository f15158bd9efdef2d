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


def create_user(name):
    with Session() as session:
        user = User(name=name)
        session.add(user)
        session.commit()
        return user  # leaving the block closes the Session


user = create_user("alice")
print(user.name)  # expired, and no Session to load it from: DetachedInstanceError
