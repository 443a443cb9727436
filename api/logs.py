"""Logging for the server and the worker: one JSON object a line (python-json-logger), or
plain text with RECOGNITION_LOG_FORMAT=text. Uvicorn's own loggers (startup, access) go the
same way. No log line carries a learner's identifier or name (api/privacy.py)."""

from __future__ import annotations

import logging.config
from typing import Any

FORMATS = {
    "json": {"()": "pythonjsonlogger.json.JsonFormatter",
             "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
             "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"}},
    "text": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
}


def logging_config(level: str, fmt: str) -> dict[str, Any]:
    """A dictConfig for the root logger and uvicorn's (hand it to uvicorn.run as log_config)."""
    return {
        "version": 1, "disable_existing_loggers": False,
        "formatters": {"default": FORMATS[fmt]},
        "handlers": {"default": {"class": "logging.StreamHandler", "formatter": "default", "stream": "ext://sys.stderr"}},
        "root": {"handlers": ["default"], "level": level.upper()},
        "loggers": {name: {"handlers": [], "propagate": True, "level": level.upper()}
                    for name in ("uvicorn", "uvicorn.error", "uvicorn.access")},
    }


def configure_logging(level: str, fmt: str) -> dict[str, Any]:
    config = logging_config(level, fmt)
    logging.config.dictConfig(config)
    return config
