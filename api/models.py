"""SQLAlchemy 2 models. The schema itself is created by the Alembic migrations in migrations/.

Assessments (the recommendations), decisions and audit events are append-only: no route
updates or deletes them, and database triggers refuse UPDATE and DELETE on the three tables.
Who the learner is lives apart, in `assessment_learners`, so that it can be purged.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, Float, ForeignKey, Index, Integer, MetaData, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def aware(value: dt.datetime | None) -> dt.datetime | None:
    """SQLite returns naive datetimes: they were stored as UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.timezone.utc)
    return value


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)  # public part of the key
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    salt: Mapped[str] = mapped_column(String(32))
    key_hash: Mapped[str] = mapped_column(String(64))  # sha256(salt + secret), hex; the secret is never stored
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class CatalogueVersion(Base):
    __tablename__ = "catalogues"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(500))
    digest: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    courses: Mapped[int] = mapped_column(Integer)
    programmes: Mapped[int] = mapped_column(Integer)
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    imported_by: Mapped[str | None] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    state: Mapped[str] = mapped_column(String(16), default="active")  # indexing | active | superseded | failed
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    error: Mapped[str | None] = mapped_column(Text)


class Batch(Base):
    __tablename__ = "batches"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(500))
    format: Mapped[str] = mapped_column(String(16))
    total_rows: Mapped[int] = mapped_column(Integer)
    purpose: Mapped[str | None] = mapped_column(String(100))
    programme: Mapped[str | None] = mapped_column(String(100))
    as_of: Mapped[dt.date] = mapped_column(Date)


class BatchRow(Base):
    __tablename__ = "batch_rows"
    __table_args__ = (
        UniqueConstraint("batch_id", "row_number"),
        Index("ix_batch_rows_status_batch", "status", "batch_id", "row_number"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    batch_id: Mapped[str] = mapped_column(ForeignKey("batches.id"), index=True)
    row_number: Mapped[int] = mapped_column(Integer)  # as the user counts: CSV header is row 1, JSON Lines start at 1
    learner: Mapped[str | None] = mapped_column(String(300))  # stored, never logged
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | running | done | error
    claim_token: Mapped[str | None] = mapped_column(String(36))
    worker_id: Mapped[str | None] = mapped_column(String(36))
    claimed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    error: Mapped[str | None] = mapped_column(Text)
    result: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)


class Assessment(Base):
    __tablename__ = "assessments"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(16))
    credential_id: Mapped[str] = mapped_column(String(300))
    fingerprint: Mapped[str] = mapped_column(String(64), index=True)
    purpose_course_id: Mapped[str | None] = mapped_column(String(100))
    outcome: Mapped[str] = mapped_column(String(32), index=True)
    as_of: Mapped[dt.date] = mapped_column(Date)
    catalogue_id: Mapped[int | None] = mapped_column(ForeignKey("catalogues.id"))
    model: Mapped[str | None] = mapped_column(String(300))
    policy_digest: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)  # the engine's Assessment, as JSON
    batch_id: Mapped[str | None] = mapped_column(ForeignKey("batches.id"), index=True)
    batch_row_id: Mapped[int | None] = mapped_column(ForeignKey("batch_rows.id"))
    batch_item: Mapped[int | None] = mapped_column(Integer)  # a row may hold several credentials

    __table_args__ = (UniqueConstraint("batch_row_id", "batch_item", name="uq_assessments_batch_row_item"),)


class AssessmentLearner(Base):
    """The learner of an assessment: personal data, kept apart from the (immutable) assessment
    and removed by `recognise purge` after the retention period."""

    __tablename__ = "assessment_learners"

    assessment_id: Mapped[str] = mapped_column(ForeignKey("assessments.id"), primary_key=True)
    identifier: Mapped[str | None] = mapped_column(String(300))
    name: Mapped[str | None] = mapped_column(String(300))


class Decision(Base):
    __tablename__ = "decisions"
    __table_args__ = (UniqueConstraint("assessment_id", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    assessment_id: Mapped[str] = mapped_column(ForeignKey("assessments.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(32))
    recommended_outcome: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text)
    course_id: Mapped[str | None] = mapped_column(String(100))
    credits: Mapped[float | None] = mapped_column(Float)
    conditions: Mapped[list[str]] = mapped_column(JSON, default=list)
    decided_by: Mapped[str] = mapped_column(String(16))
    decided_by_name: Mapped[str] = mapped_column(String(200))
    decided_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # the officer's confirmed or struck outcome pairs: [{pair, review, local, incoming, similarity, zone}]
    pair_reviews: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON, default=list)


class AuditEvent(Base):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    actor: Mapped[str | None] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(50))
    subject_type: Mapped[str] = mapped_column(String(30))
    subject_id: Mapped[str] = mapped_column(String(64), index=True)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str | None] = mapped_column(String(64))  # the hash of the event before (api/audit.py)
    hash: Mapped[str | None] = mapped_column(String(64))


class IdempotencyKey(Base):
    """The answer to a POST sent with `Idempotency-Key` (api/idempotency.py)."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("api_key_id", "operation", "key", name="uq_idempotency_keys_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    api_key_id: Mapped[str] = mapped_column(String(16))
    operation: Mapped[str] = mapped_column(String(50))
    key: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[int] = mapped_column(Integer)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    location: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class WebSession(Base):
    """A signed-in browser: the cookie carries a random token, the database only its SHA-256."""

    __tablename__ = "web_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256(token), hex
    key_id: Mapped[str] = mapped_column(ForeignKey("api_keys.id"), index=True)
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class Worker(Base):
    __tablename__ = "workers"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    hostname: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    heartbeat_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    stopped_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class Meta(Base):
    __tablename__ = "app_meta"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
