import os

from sqlalchemy import engine_from_config

# Settings as they come from a config file: every value is a string.
settings = {
    "sqlalchemy.url": os.environ["DATABASE_URL"],
    "sqlalchemy.pool_pre_ping": "true",
    "sqlalchemy.pool_recycle": "3600",
}
engine = engine_from_config(settings, prefix="sqlalchemy.")
