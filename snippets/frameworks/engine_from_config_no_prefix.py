import os

from sqlalchemy import engine_from_config

settings = {
    "sqlalchemy.url": os.environ["DATABASE_URL"],
    "pool_pre_ping": "true",  # no "sqlalchemy." prefix: never reaches the engine
    "pool_recycle": "3600",
}
engine = engine_from_config(settings, prefix="sqlalchemy.")
