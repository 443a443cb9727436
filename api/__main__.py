"""`python -m api`: serve the API with uvicorn on the configured host and port (127.0.0.1:8000)."""

from __future__ import annotations

import uvicorn

from .logs import configure_logging
from .settings import Settings


def main() -> None:
    settings = Settings()
    config = configure_logging(settings.log_level, settings.log_format)
    uvicorn.run("api.app:create_app", factory=True, host=settings.host, port=settings.port, log_config=config,
                workers=settings.workers,
                log_level=settings.log_level, server_header=False)  # no banner naming the server software


if __name__ == "__main__":
    main()
