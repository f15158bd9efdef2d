import os
from typing import Annotated

from fastapi import Depends, FastAPI
from sqlmodel import Session, create_engine, func, select

engine = create_engine(os.environ["DATABASE_URL"], pool_pre_ping=True)


def get_session():
    with Session(engine) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]

app = FastAPI()


@app.get("/now")
def read_now(session: SessionDep):
    return {"now": str(session.exec(select(func.now())).one())}
