"""A raw Reflex client: one browser tab's socket, speaking the `/_event` protocol with any headers and events."""

import asyncio
import uuid
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from time import perf_counter

import aiohttp
import reflex as rx
import socketio

NAMESPACE = "/_event"
ROOT_STATE = rx.State.get_full_name()
HYDRATE_EVENT = f"{ROOT_STATE}.hydrate_and_load"
IS_HYDRATED_VAR = "is_hydrated_rx_state_"
UPDATE_TIMEOUT_SECONDS = 30.0


def run_apart(scenario: Coroutine) -> object:
    """Run a coroutine to its end on a loop of its own thread (Playwright's sync API holds this thread's loop)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, scenario).result()


def handler_name(state: type[rx.State], handler: str) -> str:
    """The full name under which the backend dispatches a state's event handler."""
    return f"{state.get_full_name()}.{handler}"


def var_name(name: str) -> str:
    """A var's key in the deltas the backend sends."""
    return f"{name}_rx_state_"


class RawReflexClient:
    """One tab: its own client token and socket, the merged state the backend sent it, and every update."""

    def __init__(self, backend_url: str, *, path: str = "/", headers: dict[str, str] | None = None,
                 http_session: Callable[[], aiohttp.ClientSession] | None = None, token: str | None = None):
        self.backend_url = backend_url.rstrip("/")
        # A tab keeps its token in sessionStorage: a reconnect or the back button comes back under the same one.
        self.token = token or str(uuid.uuid4())
        self.router_data = {"pathname": path, "asPath": path, "query": {}}
        self.headers = headers or {}
        # A session factory reaches a server the default one cannot: a test proxy's name and certificate.
        self.client = socketio.AsyncClient(reconnection=False, http_session=http_session)
        self.client.on("event", self._receive, namespace=NAMESPACE)
        self.updates: asyncio.Queue[dict] = asyncio.Queue()
        self.vars: dict[str, dict] = {}
        self.frontend_events: list[dict] = []

    async def _receive(self, update: dict) -> None:
        """Merge the delta the way the frontend's reducers do, then hand the update to the waiter."""
        for state_name, delta in (update.get("delta") or {}).items():
            self.vars.setdefault(state_name, {}).update(delta)
        self.frontend_events.extend(update.get("events") or [])
        self.updates.put_nowait(update)

    def event(self, name: str, payload: dict | None = None) -> dict:
        """An event as the browser's state.js sends it over the socket."""
        return {"name": name, "payload": payload or {}, "router_data": self.router_data}

    async def open(self) -> None:
        """Connect with the tab's token and hydrate, as a browser does on load."""
        await self.client.connect(
            f"{self.backend_url}?token={self.token}",
            headers=self.headers,
            transports=["websocket"],
            socketio_path=NAMESPACE,
            namespaces=[NAMESPACE],
            auth={"event": self.event(HYDRATE_EVENT)},
            wait_timeout=UPDATE_TIMEOUT_SECONDS,
        )
        await self.next_update(lambda update: (update.get("delta") or {}).get(ROOT_STATE, {}).get(IS_HYDRATED_VAR) is True)

    async def send(self, name: str, payload: dict | None = None) -> None:
        """Emit one event to the backend."""
        await self.client.emit("event", self.event(name, payload), namespace=NAMESPACE)

    async def next_update(self, matches: Callable[[dict], bool]) -> dict:
        """The next update that `matches`, skipping the others; bounded by UPDATE_TIMEOUT_SECONDS."""
        async with asyncio.timeout(UPDATE_TIMEOUT_SECONDS):
            while True:
                update = await self.updates.get()
                if matches(update):
                    return update

    async def call(self, name: str, payload: dict | None = None, *, until: Callable[[dict], bool] = bool) -> float:
        """Send an event and wait for the update that shows it done (any update, unless `until` says which).

        The protocol has no end-of-event message, so the caller names the update its handler ends with.
        Returns the seconds from sending to that update.
        """
        started = perf_counter()
        await self.send(name, payload)
        await self.next_update(until)
        return perf_counter() - started

    def value(self, state: type[rx.State], name: str, default=None):
        """A var of a state as this tab last saw it."""
        return self.vars.get(state.get_full_name(), {}).get(var_name(name), default)

    async def close(self) -> None:
        """Disconnect the socket."""
        await self.client.disconnect()


async def open_tab(app, *, cookie: str | None = None, path: str = "/", token: str | None = None) -> RawReflexClient:
    """A tab of the running `app` from its one accepted Origin, with a session cookie when one is given."""
    headers = {"Origin": app.url}
    if cookie:
        headers["Cookie"] = f"lk_session={cookie}"
    tab = RawReflexClient(app.backend, path=path, headers=headers, token=token)
    await tab.open()
    return tab


def finished(state: type[rx.State], flag: str = "busy") -> Callable[[dict], bool]:
    """An update in which the state's handler has finished (its busy flag went back to false)."""
    return lambda update: (update.get("delta") or {}).get(state.get_full_name(), {}).get(var_name(flag)) is False
