"""The batch worker: claims rows, runs the batch kernel, commits each row as it finishes.

Exactly once, across crashes:

* a worker claims a few pending rows in one transaction (status -> running, a fresh claim
  token, its worker id; `FOR UPDATE SKIP LOCKED` on PostgreSQL);
* a finished row is written in one transaction with its assessments, and only if the row is
  still `running` under the same claim token: a row that was requeued meanwhile is not
  written twice, and a unique constraint on (batch row, item) backs this up;
* a killed worker leaves its rows `running`; any worker (or the server on start) requeues
  rows whose worker is dead: its process is gone (same host) or its heartbeat is older
  than the lease.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from . import models as m
from recognition_engine.batch import BatchRow, RowResult, assess_batch, batch_frame
from .metrics import BATCH_ROWS
from .models import aware, utcnow
from .resources import Resources
from .services import store_row_result

log = logging.getLogger("api.worker")


class Stopping(Exception):
    pass


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def requeue_dead(session: Session, lease_seconds: float, me: str | None = None) -> int:
    """Put rows left `running` by dead workers back to `pending`; returns how many."""
    now = utcnow()
    host = socket.gethostname()
    alive: list[str] = []
    for w in session.execute(select(m.Worker).where(m.Worker.stopped_at.is_(None))).scalars():
        stale = (now - aware(w.heartbeat_at)).total_seconds() > lease_seconds
        gone = w.hostname == host and not _pid_alive(w.pid)
        if w.id == me or not (stale or gone):
            alive.append(w.id)
        else:
            w.stopped_at = now
    result = session.execute(
        update(m.BatchRow)
        .where(m.BatchRow.status == "running", m.BatchRow.worker_id.not_in(alive) if alive else m.BatchRow.status == "running")
        .values(status="pending", claim_token=None, worker_id=None)
    )
    session.commit()
    if result.rowcount:
        log.warning("requeued %d row(s) left running by a dead worker", result.rowcount)
    return result.rowcount


class BatchWorker:
    def __init__(self, resources: Resources, *, exit_when_idle: bool = False):
        self.res = resources
        self.settings = resources.settings
        self.id = str(uuid.uuid4())
        self.exit_when_idle = exit_when_idle
        self.stop_event = threading.Event()
        self._thread: threading.Thread | None = None
        self._heart: threading.Thread | None = None
        self.rows_done = 0

    # -- lifecycle
    def start(self) -> "BatchWorker":
        self._register()
        self._thread = threading.Thread(target=self._loop, name="batch-worker", daemon=True)
        self._thread.start()
        return self

    def run(self) -> None:
        """In the foreground (the `recognise worker` command)."""
        self._register()
        self._loop()

    def stop(self, timeout: float = 30.0) -> None:
        self.stop_event.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _register(self) -> None:
        with self.res.sessions() as session:
            session.add(m.Worker(id=self.id, hostname=socket.gethostname(), pid=os.getpid(), started_at=utcnow(),
                                 heartbeat_at=utcnow()))
            session.commit()
        self._heart = threading.Thread(target=self._heartbeat, name="batch-worker-heartbeat", daemon=True)
        self._heart.start()
        log.info("worker %s started (pid %d)", self.id[:8], os.getpid())

    def _heartbeat(self) -> None:
        while not self.stop_event.wait(self.settings.worker_heartbeat_seconds):
            try:
                with self.res.sessions() as session:
                    session.execute(update(m.Worker).where(m.Worker.id == self.id).values(heartbeat_at=utcnow(), stopped_at=None))
                    session.commit()
            except Exception:  # noqa: BLE001 - a missed beat is retried; the lease is generous
                log.exception("heartbeat failed")

    def _deregister(self) -> None:
        with self.res.sessions() as session:
            session.execute(update(m.BatchRow).where(m.BatchRow.worker_id == self.id, m.BatchRow.status == "running")
                            .values(status="pending", claim_token=None, worker_id=None))
            session.execute(update(m.Worker).where(m.Worker.id == self.id).values(stopped_at=utcnow()))
            session.commit()
        log.info("worker %s stopped after %d row(s)", self.id[:8], self.rows_done)

    # -- the loop
    def _loop(self) -> None:
        try:
            while not self.stop_event.is_set():
                try:
                    worked = self.step()
                except Stopping:
                    break
                except Exception:  # noqa: BLE001 - keep serving; the rows stay claimed and are requeued
                    log.exception("worker step failed")
                    worked = False
                if not worked:
                    if self.exit_when_idle and self._idle():
                        break
                    self.stop_event.wait(self.settings.worker_poll_seconds)
        finally:
            self.stop_event.set()
            self._deregister()

    def _idle(self) -> bool:
        with self.res.sessions() as session:
            return session.execute(select(m.BatchRow.id).where(m.BatchRow.status.in_(("pending", "running"))).limit(1)).first() is None

    def step(self) -> bool:
        """Requeue rows of dead workers, claim some rows, assess them. False when there was nothing to do."""
        with self.res.sessions() as session:
            requeue_dead(session, self.settings.worker_lease_seconds, me=self.id)
            self.res.refresh_catalogue(session)
            claimed = self.claim(session)
            if not claimed:
                return False
            batch = session.get(m.Batch, claimed[0].batch_id)
        token = claimed[0].claim_token
        ids = {r.row_number: r.id for r in claimed}
        with self.res.lock:  # one catalogue for the whole chunk, even if an import switches it meanwhile
            assessor, catalogue_id = self.res.assessor, self.res.catalogue_id
        frame = batch_frame(BatchRow(r.row_number, r.payload) for r in claimed)

        def before_row(_row: int) -> None:
            if self.stop_event.is_set():
                raise Stopping()
            if self.settings.worker_row_delay:
                self.stop_event.wait(self.settings.worker_row_delay)
                if self.stop_event.is_set():
                    raise Stopping()

        def commit(result: RowResult) -> None:
            self._commit(batch, ids[result.row], token, result, catalogue_id)

        try:
            assess_batch(frame, assessor, as_of=batch.as_of, purpose=batch.purpose, programme=batch.programme,
                         source=batch.source, on_result=commit, chunk_size=len(claimed),
                         before_row=before_row)
        finally:
            with self.res.sessions() as session:  # give back what was claimed but not finished
                session.execute(update(m.BatchRow).where(m.BatchRow.claim_token == token, m.BatchRow.status == "running")
                                .values(status="pending", claim_token=None, worker_id=None))
                session.commit()
        return True

    def claim(self, session: Session) -> list[m.BatchRow]:
        first = session.execute(select(m.BatchRow.batch_id).where(m.BatchRow.status == "pending")
                                .order_by(m.BatchRow.id).limit(1)).scalar_one_or_none()
        if first is None:
            return []
        token = str(uuid.uuid4())
        pick = (select(m.BatchRow.id).where(m.BatchRow.batch_id == first, m.BatchRow.status == "pending")
                .order_by(m.BatchRow.row_number).limit(self.settings.worker_chunk))
        if session.bind.dialect.name == "postgresql":
            pick = pick.with_for_update(skip_locked=True)
        ids = list(session.execute(pick).scalars())
        if not ids:
            session.rollback()
            return []
        session.execute(update(m.BatchRow).where(m.BatchRow.id.in_(ids), m.BatchRow.status == "pending")
                        .values(status="running", claim_token=token, worker_id=self.id, claimed_at=utcnow(),
                                attempts=m.BatchRow.attempts + 1))
        session.commit()
        return list(session.execute(select(m.BatchRow).where(m.BatchRow.claim_token == token)
                                    .order_by(m.BatchRow.row_number)).scalars())

    def _commit(self, batch: m.Batch, row_id: int, token: str, result: RowResult, catalogue_id: int) -> None:
        with self.res.sessions() as session:
            items = store_row_result(session, batch, row_id, token, result, catalogue_id)
            if items is None:  # requeued meanwhile: another worker owns it now
                session.rollback()
                log.warning("batch %s row %d: claim lost, result dropped", batch.id[:8], result.row)
                return
            session.commit()
        self.rows_done += 1
        BATCH_ROWS.labels(items[0]["status"]).inc()
        outcome = ",".join(i["outcome"] or "" for i in items) if items[0]["status"] == "done" else "error"
        log.info("batch %s row %d (learner %s): %s", batch.id[:8], result.row, self.res.pseudonym(result.learner), outcome)


def wait_idle(resources: Resources, timeout: float = 60.0) -> bool:
    """For tests and scripts: wait until no row is pending or running."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        with resources.sessions() as session:
            if session.execute(select(m.BatchRow.id).where(m.BatchRow.status.in_(("pending", "running"))).limit(1)).first() is None:
                return True
        time.sleep(0.2)
    return False
