"""How long browsers keep the production server's files: build files named by their hash for a year, pages never
without asking."""

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Vite names every file of /assets/ by a hash of its content: a new build has new names, so an old file never changes.
HASHED_FOLDER = "/assets/"
KEEP = b"public, max-age=31536000, immutable"
# A page names the build's files: after a deployment a kept page would ask for files the new build no longer has.
ASK_FIRST = b"no-cache"


class StaticCaching:
    """ASGI middleware giving answers with no Cache-Control of their own one: KEEP for a hashed build file, ASK_FIRST
    for a page; other answers (the backend's routes, errors) pass as they are."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; add the header to its answer's start."""
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        hashed = scope["path"].startswith(HASHED_FOLDER)

        async def send_with_caching(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] in (200, 304):
                headers = dict(message.get("headers", []))
                page = headers.get(b"content-type", b"").startswith(b"text/html")
                policy = KEEP if hashed else ASK_FIRST if page else None
                if policy and b"cache-control" not in headers:
                    message = {**message, "headers": [*message.get("headers", []), (b"cache-control", policy)]}
            await send(message)

        await self.app(scope, receive, send_with_caching)
