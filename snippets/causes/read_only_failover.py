import os

from sqlalchemy import create_engine, event

engine = create_engine(os.environ["DATABASE_URL"], pool_pre_ping=True)


@event.listens_for(engine, "handle_error")
def reconnect_after_failover(context):
    # 1290 with "read-only": this connection still reaches the old primary, now read-only.
    # Treat it as a disconnect: the pool drops its connections and makes new ones.
    error = context.original_exception
    if error.args and error.args[0] == 1290 and "read-only" in str(error):
        context.is_disconnect = True
