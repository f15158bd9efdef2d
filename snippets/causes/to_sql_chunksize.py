import os

import pandas as pd
from sqlalchemy import create_engine

engine = create_engine(os.environ["DATABASE_URL"], pool_pre_ping=True)


def save(df: pd.DataFrame, table: str) -> None:
    df.to_sql(
        table,
        engine,
        if_exists="append",
        index=False,
        method="multi",  # one multi-row INSERT per chunk
        chunksize=1000,  # rows per INSERT: keep rows x row size below max_allowed_packet
    )
