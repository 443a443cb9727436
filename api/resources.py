"""What the service loads once and shares: database, policy, catalogue, engine, assessor.

Built by the app's lifespan (and by `recognise worker`), handed to routes with Depends.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from recognition_engine.assessment import Assessor
from recognition_engine.catalogue import Catalogue
from recognition_engine.engine import Engine
from recognition_engine.language import detect_language
from recognition_engine.loaders import catalogue_from_data, load_catalogue
from recognition_engine.policy import Policy, load_policy

from .db import make_engine, migrate, session_factory
from .identity import Pseudonymiser
from .audit import audit
from .models import CatalogueVersion, Meta, utcnow
from .privacy import purge
from .settings import Settings

log = logging.getLogger("api")

def build_engine(catalogue: Catalogue, settings: Settings) -> Engine:
    """Engines in one process share their loaded models (the engine pools its encoders), so
    re-importing a catalogue does not load the models again."""
    return Engine(catalogue, encoder=settings.encoder, cache_path=settings.embedding_cache)


def _index(engine: Engine) -> None:
    """Index the catalogue for the default model now, and for the other models `auto` may use
    (multilingual-e5 for credentials not in English) in the background: built on the first
    Vietnamese or Lao request instead, a 10,000-course catalogue would keep that request
    waiting for about 20 minutes (e5 encodes about 50 texts a second here)."""
    first, *others = engine.encoders()
    engine.index(first)
    for encoder in others:
        threading.Thread(target=_index_quietly, args=(engine, encoder), name=f"index {encoder.model_id}", daemon=True).start()


def _index_quietly(engine: Engine, encoder) -> None:
    try:
        engine.index(encoder)
        log.info("catalogue indexed for %s", encoder.model_id)
    except Exception:  # noqa: BLE001 - a background warm-up must not kill the server; the request will retry
        log.exception("indexing the catalogue for %s failed; it will be retried on first use", encoder.model_id)


def catalogue_record(catalogue: Catalogue, source: str, imported_by: str | None) -> CatalogueVersion:
    import hashlib
    import json

    data = catalogue.model_dump(mode="json")
    digest = hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()
    return CatalogueVersion(source=source, digest=digest, data=data, courses=len(catalogue.courses),
                            programmes=len(catalogue.programmes), imported_at=utcnow(), imported_by=imported_by,
                            active=True)


def read_catalogue_upload(data: bytes, filename: str) -> Catalogue:
    """Validate an uploaded catalogue (.yaml, .yml, .json or .csv) with the engine's loader."""
    name = Path(filename or "catalogue.yaml").name
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        return load_catalogue(path)


@dataclass
class Resources:
    settings: Settings
    db_engine: object
    sessions: sessionmaker[Session]
    policy: Policy
    catalogue: Catalogue
    catalogue_id: int
    engine: Engine
    assessor: Assessor
    pseudonym: Pseudonymiser
    lock: threading.RLock = field(default_factory=threading.RLock)  # swapping the catalogue and its engine
    started_at: float = field(default_factory=time.time)

    @classmethod
    def open(cls, settings: Settings, warm_up: bool = True) -> "Resources":
        db_engine = make_engine(settings.database_url)
        migrate(db_engine)
        sessions = session_factory(db_engine)
        policy = load_policy(settings.policy)  # an invalid policy fails before any model loads
        with sessions() as session:
            catalogue, catalogue_id = _active_catalogue(session, settings)
            secret = _pseudonym_secret(session, settings)
            if settings.retention_days:
                before = utcnow() - dt.timedelta(days=settings.retention_days)
                log.info("retention: learner data before %s purged: %s", before.date(), purge(session, before))
                session.commit()
        engine = build_engine(catalogue, settings)
        res = cls(settings, db_engine, sessions, policy, catalogue, catalogue_id, engine, Assessor(engine, policy),
                  Pseudonymiser(secret))
        if warm_up:
            res.warm_up()
        log.info("ready: catalogue %s (%d courses), policy %s %s, database %s", catalogue_id, len(catalogue.courses),
                 policy.id, policy.version, db_engine.url.get_backend_name())
        return res

    def warm_up(self) -> None:
        """Load the default model and encode the catalogue now, and the language detector's
        models (seconds), not on the first request."""
        _index(self.engine)
        detect_language("Warm up the language detector before the first request.")

    def model_ready(self) -> bool:
        """Ready once the catalogue is indexed for at least one model (the model itself loads
        on the first text that is not in the embedding cache)."""
        return bool(self.engine.model_ids())

    def model_ids(self) -> list[str]:
        return self.engine.model_ids()

    def import_catalogue(self, catalogue: Catalogue, source: str, imported_by: str | None) -> CatalogueVersion:
        """Start importing a validated catalogue: stored as `indexing`, its index built in a
        background thread off the lock, then switched to atomically (`_finish_import`)."""
        with self.sessions() as session:
            record = catalogue_record(catalogue, source, imported_by)
            record.active, record.state = False, "indexing"
            session.add(record)
            session.commit()
        threading.Thread(target=self._finish_import, args=(catalogue, record.id), name=f"import {record.id}",
                         daemon=True).start()
        return record

    def _finish_import(self, catalogue: Catalogue, catalogue_id: int) -> None:
        try:
            engine = self.indexed_engine(catalogue)
            with self.sessions() as session:
                session.execute(update(CatalogueVersion).where(CatalogueVersion.active.is_(True))
                                .values(active=False, state="superseded"))
                session.execute(update(CatalogueVersion).where(CatalogueVersion.id == catalogue_id)
                                .values(active=True, state="active", finished_at=utcnow()))
                audit(session, None, "catalogue.activated", "catalogue", str(catalogue_id), courses=len(catalogue.courses))
                session.commit()
            self.swap(catalogue, catalogue_id, engine)
            log.info("catalogue %s active (%d courses)", catalogue_id, len(catalogue.courses))
        except Exception as exc:  # noqa: BLE001 - the job reports it; the old catalogue stays in service
            log.exception("importing catalogue %s failed", catalogue_id)
            with self.sessions() as session:
                session.execute(update(CatalogueVersion).where(CatalogueVersion.id == catalogue_id)
                                .values(state="failed", finished_at=utcnow(), error=f"indexing failed ({type(exc).__name__})"))
                session.commit()

    def indexed_engine(self, catalogue: Catalogue) -> Engine:
        """A new engine with the catalogue indexed for the default model (the others follow in
        the background). Built without the lock: requests go on with the current engine."""
        engine = build_engine(catalogue, self.settings)
        _index(engine)
        return engine

    def swap(self, catalogue: Catalogue, catalogue_id: int, engine: Engine) -> None:
        """Switch to an indexed engine at once: a request sees the old catalogue or the new, never a mix."""
        with self.lock:
            self.catalogue, self.catalogue_id = catalogue, catalogue_id
            self.engine, self.assessor = engine, Assessor(engine, self.policy)

    def refresh_catalogue(self, session: Session) -> None:
        """Follow a catalogue imported by another process (a separate worker sees the server's import)."""
        active = session.execute(select(CatalogueVersion.id).where(CatalogueVersion.active.is_(True))
                                 .order_by(CatalogueVersion.id.desc()).limit(1)).scalar_one_or_none()
        if active is not None and active != self.catalogue_id:
            row = session.get(CatalogueVersion, active)
            catalogue = catalogue_from_data(row.data, row.source)
            self.swap(catalogue, row.id, self.indexed_engine(catalogue))
            log.info("switched to catalogue %s", row.id)

    def database_ok(self) -> tuple[bool, str | None]:
        try:
            with self.sessions() as session:
                revision = session.execute(text("SELECT version_num FROM alembic_version")).scalar_one_or_none()
            return True, revision
        except Exception:  # noqa: BLE001 - health reports it
            return False, None

    def close(self) -> None:
        self.db_engine.dispose()


def _active_catalogue(session: Session, settings: Settings) -> tuple[Catalogue, int]:
    row = session.execute(select(CatalogueVersion).where(CatalogueVersion.active.is_(True))
                          .order_by(CatalogueVersion.id.desc()).limit(1)).scalar_one_or_none()
    if row is not None:
        return catalogue_from_data(row.data, row.source), row.id
    catalogue = load_catalogue(settings.catalogue)  # first start: import the configured catalogue
    record = catalogue_record(catalogue, Path(settings.catalogue).name, None)
    session.add(record)
    session.commit()
    log.info("first start: imported catalogue %s as version %s", Path(settings.catalogue).name, record.id)
    return catalogue, record.id


def _pseudonym_secret(session: Session, settings: Settings) -> bytes:
    if settings.pseudonym_secret is not None:
        return settings.pseudonym_secret.get_secret_value().encode()
    row = session.get(Meta, "pseudonym_secret")
    if row is None:
        try:
            session.add(Meta(key="pseudonym_secret", value=secrets.token_hex(32)))
            session.commit()
        except IntegrityError:  # another process created it first
            session.rollback()
        row = session.get(Meta, "pseudonym_secret")
    return bytes.fromhex(row.value)
