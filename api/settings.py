"""Service settings from environment variables (prefix RECOGNITION_) or a `.env` file.

    RECOGNITION_DATABASE_URL=postgresql+psycopg://user:pass@127.0.0.1:5432/recognition
    RECOGNITION_CATALOGUE=path/to/catalogue.yaml     # imported on first start only
    RECOGNITION_POLICY=path/to/institution_policy.yaml
    RECOGNITION_ENCODER=auto | minilm-int8 | minilm | e5 | /path/to/sentence-transformers-model
    RECOGNITION_OFFICE_CONTACT="Recognition Office, ..., recognition@example.org"   # in decision letters
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / ".recognition-data"


def default_database_url() -> str:
    return f"sqlite:///{DATA_DIR / 'recognition.sqlite'}"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RECOGNITION_", env_file=".env", env_file_encoding="utf-8",
                                      extra="ignore")

    database_url: str = Field(default_factory=default_database_url,
                              description="SQLAlchemy URL; SQLite file by default, PostgreSQL via postgresql+psycopg://")
    catalogue: Path = Field(ROOT / "examples" / "catalogue.yaml",
                            description="catalogue imported when the database holds none yet (first start)")
    policy: Path | None = Field(None, description="an institution's policy overlaid on the default")
    encoder: str = Field("auto", description="auto, minilm-int8, minilm, e5, or a local sentence-transformers model path")
    office_contact: str | None = Field(None, description="the recognition office's contact, printed in decision letters")
    embedding_cache: Path | None = Field(None, description="embedding cache file (default: the engine's)")
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = Field(1, gt=0, description="server processes (each loads the model and runs a batch worker); "
                                              "2 uses both cores of a 2-core machine")
    log_level: str = "info"
    log_format: Literal["json", "text"] = Field("json", description="json: one JSON object a line; text: plain")

    max_request_bytes: int = Field(10 * 1024 * 1024, gt=0, description="larger request bodies get 413")
    max_batch_rows: int = Field(50_000, gt=0)
    page_size_max: int = Field(200, gt=0)

    auth_max_failures: int = Field(10, gt=0, description="invalid API keys from one address within the window "
                                                         "before it gets 429")
    auth_window_seconds: float = Field(60.0, gt=0)

    run_worker: bool = Field(True, description="run the batch worker in a thread inside the server")
    worker_chunk: int = Field(16, gt=0, description="rows a worker claims at a time")
    worker_poll_seconds: float = Field(1.0, gt=0)
    worker_heartbeat_seconds: float = Field(5.0, gt=0)
    worker_lease_seconds: float = Field(60.0, gt=0,
                                        description="a worker silent this long is dead: its rows are requeued")
    worker_row_delay: float = Field(0.0, ge=0, description="testing only: pause before each row")

    retention_days: int | None = Field(
        None, gt=0, description="learner data older than this is purged (at start and by `recognise purge`); "
                                "decisions and the audit trail are kept. Unset: kept until purged by hand")

    home_schac: str | None = Field(None, description="the home institution's SCHAC code (ELMO exports name their issuer by it)")
    home_url: str | None = Field(None, description="the home institution's web address (ELMO issuer url)")
    pseudonym_secret: SecretStr | None = Field(
        None, description="key for the pseudonyms logged instead of learner ids (default: generated, kept in the db)")

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")
