import os

from sqlalchemy import create_engine

engine = create_engine(
    os.environ["DATABASE_URL"],
    pool_pre_ping=True,
    # Below the idle limit of the load balancer or NAT in between (AWS NLB: 350 s by default).
    pool_recycle=300,
    connect_args={
        "connect_timeout": 10,  # seconds to open a connection
        "read_timeout": 30,  # seconds to wait for each reply: bounds a hung ping
        "write_timeout": 30,  # seconds to wait for each send
    },
)
