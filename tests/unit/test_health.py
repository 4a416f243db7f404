"""The health check answers by the database's state."""

import asyncio

import httpx

from lk_app.routes import backend_routes


def _get_health() -> httpx.Response:
    async def ask():
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=backend_routes), base_url="http://lk") as client:
            return await client.get("/health")

    return asyncio.run(ask())


def test_healthy_while_the_database_answers(clean_db):
    answer = _get_health()
    assert (answer.status_code, answer.json()) == (200, {"status": "ok", "database": "ok"})


def test_unavailable_when_the_database_is_down(settings):
    settings(REFLEX_DB_URL="postgresql+psycopg://nobody@127.0.0.1:1/none")
    answer = _get_health()
    assert (answer.status_code, answer.json()["database"]) == (503, "down")
