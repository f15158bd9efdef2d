import os
from typing import Annotated

from fastapi import BackgroundTasks, Depends, FastAPI
from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine, insert, text
from sqlalchemy.orm import Session

engine = create_engine(os.environ["DATABASE_URL"], pool_pre_ping=True)
metadata = MetaData()
visits = Table(
    "visits", metadata, Column("id", Integer, primary_key=True), Column("path", String(200))
)
metadata.create_all(engine)


def get_session():
    with Session(engine) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]

app = FastAPI()


def record_visit(path: str):
    # A Session of its own: the request's Session belongs to the request.
    with Session(engine) as session:
        session.execute(insert(visits).values(path=path))
        session.commit()


@app.get("/now")
def read_now(session: SessionDep, background_tasks: BackgroundTasks):
    background_tasks.add_task(record_visit, "/now")
    return {"now": str(session.execute(text("SELECT NOW()")).scalar_one())}
