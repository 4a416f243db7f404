"""Caching headers: hashed build files kept a year, pages revalidated, the backend's own answers left alone."""

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import PlainTextResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.testclient import TestClient

from lk_app.static_caching import ASK_FIRST, KEEP, StaticCaching


def _client(tmp_path) -> TestClient:
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "entry-Ab12.js").write_text("export {};")
    (tmp_path / "cabinet").mkdir()
    (tmp_path / "cabinet" / "index.html").write_text("<!DOCTYPE html><title>ЛК</title>")
    (tmp_path / "sw.js").write_text("self;")

    def private(request):
        return PlainTextResponse("счёт", headers={"Cache-Control": "private, no-store"})

    app = Starlette(middleware=[Middleware(StaticCaching)], routes=[
        Route("/bills/x.pdf", private),
        Mount("/", StaticFiles(directory=tmp_path, html=True)),
    ])
    return TestClient(app)


def test_hashed_build_files_are_kept_and_pages_are_asked_for_again(tmp_path):
    client = _client(tmp_path)
    assert client.get("/assets/entry-Ab12.js").headers["cache-control"] == KEEP.decode()
    assert client.get("/cabinet/").headers["cache-control"] == ASK_FIRST.decode()
    assert "cache-control" not in client.get("/sw.js").headers  # the browser checks a service worker itself
    assert client.get("/bills/x.pdf").headers["cache-control"] == "private, no-store"  # its own, unchanged
    assert "cache-control" not in client.get("/assets/missing-Zz99.js").headers  # a 404 is not kept a year
