"""Return the SDK's models from a FastAPI app: they validate, serialise and appear in its
/openapi.json with their real field types, like your own pydantic models.

    pip install 'atlas-async[fastapi]' uvicorn
    ATLAS_API_KEY=... python examples/fastapi_app.py --port 8000

Without ATLAS_API_KEY it runs against the emulator, in process. Then open
http://127.0.0.1:8000/docs: ``Envelope``, ``EnvelopeSummary``, ``CreateEnvelopeResponse`` and the
others are documented components. pydantic is FastAPI's dependency, not the SDK's: the models
build their pydantic schema the first time FastAPI asks for it.
"""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from fastapi import FastAPI, Request
from pydantic import BaseModel

from atlas_async import (
    Atlas,
    CreateEnvelopeResponse,
    Envelope,
    EnvelopeProgress,
    EnvelopeSummary,
    Page,
    Party,
)
from atlas_async.samples import SAMPLE_PDF


class NewContract(BaseModel):
    """What the app's own clients send: who signs (the document is the sample PDF here)."""

    signer_email: str
    signer_name: str
    external_id: str | None = None


def create_app(atlas: Atlas | None = None) -> FastAPI:
    """The app; pass your own ``Atlas`` (a test does), or it makes one at startup."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            client = atlas
            if client is None:
                client = await stack.enter_async_context(Atlas())
            app.state.atlas = client
            yield

    app = FastAPI(title="Contracts", lifespan=lifespan)

    def client_of(request: Request) -> Atlas:
        found: Atlas = request.app.state.atlas
        return found

    @app.post("/contracts", status_code=201)
    async def create_contract(body: NewContract, request: Request) -> CreateEnvelopeResponse:
        return await client_of(request).envelopes.create(
            SAMPLE_PDF,
            parties=[Party(email=body.signer_email, name=body.signer_name, role="Customer")],
            metadata={"external_id": body.external_id} if body.external_id else None,
        )

    @app.get("/contracts", response_model=Page[EnvelopeSummary])
    async def list_contracts(request: Request, limit: int = 20) -> Page[EnvelopeSummary]:
        return await client_of(request).envelopes.list(limit=limit)

    @app.get("/contracts/{envelope_id}", response_model=Envelope)
    async def get_contract(envelope_id: str, request: Request) -> Envelope:
        return await client_of(request).envelopes.get(envelope_id)

    @app.get("/contracts/{envelope_id}/progress")
    async def contract_progress(envelope_id: str, request: Request) -> EnvelopeProgress:
        return await client_of(request).envelopes.status(envelope_id)

    return app


def main() -> None:
    import os

    import anyio
    import uvicorn

    parser = argparse.ArgumentParser(description="A FastAPI app returning Atlas models.")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args()

    async def serve() -> None:
        if os.environ.get("ATLAS_API_KEY"):
            app = create_app()  # Atlas() from ATLAS_API_KEY / ATLAS_BASE_URL at startup
            await uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=args.port)).serve()
            return
        import httpx

        from atlas_async.testing import FakeAtlas

        fake = FakeAtlas(detection_delay=0.5)  # the emulator, in process: no network
        http = httpx.AsyncClient(transport=fake.transport())
        async with http, Atlas(fake.api_key, base_url=fake.base_url, http_client=http) as atlas:
            app = create_app(atlas)
            await uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=args.port)).serve()

    anyio.run(serve)


if __name__ == "__main__":
    main()
