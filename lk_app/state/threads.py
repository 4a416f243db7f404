"""The hand-off from a state to a service: a worker thread, a transaction of its own, and the call in plain sight."""

import asyncio
from collections.abc import Callable
from typing import TypeVar

from sqlmodel import Session

from lk_app import db

T = TypeVar("T")


async def in_transaction(call: Callable[[Session], T]) -> T:
    """`await in_transaction(lambda session: change_password(user_id, …, session=session))`.

    The service runs off the event loop in its own transaction (committed on success, rolled back on an error),
    and its name stays at the call site, where an editor's "find callers" sees it.
    """
    return await asyncio.to_thread(db.run, call)
