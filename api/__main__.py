"""`python -m api`: serve the API with uvicorn on the configured host and port (127.0.0.1:8000)."""

from __future__ import annotations

import logging

import uvicorn

from .settings import Settings


def main() -> None:
    settings = Settings()
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    uvicorn.run("api.app:create_app", factory=True, host=settings.host, port=settings.port,
                log_level=settings.log_level, server_header=False)  # no banner naming the server software


if __name__ == "__main__":
    main()
