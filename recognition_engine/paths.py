"""Where the engine finds its shipped data. Overridable by environment variables."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def reference_data_dir() -> Path:
    return Path(os.environ.get("RECOGNITION_REFERENCE_DATA", ROOT / "reference_data"))


def examples_dir() -> Path:
    return Path(os.environ.get("RECOGNITION_EXAMPLES", ROOT / "examples"))


def models_dir() -> Path:
    return Path(os.environ.get("RECOGNITION_MODELS", ROOT / "models"))


def cache_dir() -> Path:
    """Embedding cache; defaults to a folder in the checkout so `make clean` removes it."""
    return Path(os.environ.get("RECOGNITION_CACHE_DIR", ROOT / ".recognition-cache"))
