"""A persistent embedding cache keyed by (model id, text hash).

An unchanged catalogue is never encoded twice, across processes: vectors live in one
SQLite file, and the texts used most recently in this process are also kept in memory.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Sequence

import numpy as np

from .base import Encoder

_CHUNK = 500  # SQLite's default limit on bound parameters is 999


def text_key(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()


class EmbeddingCache:
    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        # A cache: a power cut may lose the last vectors written (they are encoded again),
        # never corrupt the file; in exchange a commit does not wait for the disk.
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS vectors (model_id TEXT, text_hash BLOB, vector BLOB,"
            " PRIMARY KEY (model_id, text_hash)) WITHOUT ROWID"
        )

    def get_many(self, model_id: str, keys: Sequence[bytes]) -> dict[bytes, np.ndarray]:
        found: dict[bytes, np.ndarray] = {}
        with self._lock:
            for start in range(0, len(keys), _CHUNK):
                chunk = list(keys[start:start + _CHUNK])
                marks = ",".join("?" * len(chunk))
                rows = self._db.execute(
                    f"SELECT text_hash, vector FROM vectors WHERE model_id = ? AND text_hash IN ({marks})",
                    [model_id, *chunk],
                )
                for key, blob in rows:
                    found[key] = np.frombuffer(blob, dtype=np.float32)
        return found

    def put_many(self, model_id: str, items: dict[bytes, np.ndarray]) -> None:
        with self._lock, self._db:
            self._db.executemany(
                "INSERT OR REPLACE INTO vectors VALUES (?, ?, ?)",
                [(model_id, key, np.ascontiguousarray(vec, dtype=np.float32).tobytes()) for key, vec in items.items()],
            )

    def close(self) -> None:
        self._db.close()


class MemoryCache:
    """The vectors used most recently in this process, at most `capacity` of them (least
    recently used first out), so a long-running service does not keep every text it has seen."""

    def __init__(self, capacity: int):
        if capacity < 1:
            raise ValueError(f"memory cache capacity must be at least 1, got {capacity}")
        self.capacity = capacity
        self._vectors: OrderedDict[bytes, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._vectors)

    @property
    def nbytes(self) -> int:
        with self._lock:
            return sum(v.nbytes for v in self._vectors.values())

    def get_many(self, keys: Sequence[bytes]) -> dict[bytes, np.ndarray]:
        found = {}
        with self._lock:
            for key in keys:
                vector = self._vectors.get(key)
                if vector is not None:
                    self._vectors.move_to_end(key)
                    found[key] = vector
        return found

    def put_many(self, items: dict[bytes, np.ndarray]) -> None:
        with self._lock:
            for key, vector in items.items():
                self._vectors[key] = vector
                self._vectors.move_to_end(key)
            while len(self._vectors) > self.capacity:
                self._vectors.popitem(last=False)


MEMORY_CAPACITY = 200_000  # vectors: 300 MB at 384 dimensions, three 10,000-course catalogues


class CachedEncoder:
    """An Encoder that asks the cache first and encodes only unseen texts, each once."""

    def __init__(self, encoder: Encoder, cache: EmbeddingCache | None, memory_capacity: int = MEMORY_CAPACITY):
        self.encoder = encoder
        self.cache = cache
        self.model_id = encoder.model_id
        self.memory = MemoryCache(memory_capacity)
        self._model_lock = threading.Lock()  # one model call at a time: safe for every backend
        self.encoded = 0  # texts sent to the model in this process
        self.hits = 0  # texts served from the cache (memory or disk)

    @property
    def dim(self) -> int:
        return self.encoder.dim

    def _stored(self, unique: list[bytes]) -> dict[bytes, np.ndarray]:
        """The vectors of these keys in memory or on disk (those from disk are kept in memory)."""
        found = self.memory.get_many(unique)
        missing = [k for k in unique if k not in found]
        if missing and self.cache is not None:
            stored = self.cache.get_many(self.model_id, missing)
            found.update(stored)
            self.memory.put_many(stored)
        return found

    def cached(self, texts: Sequence[str]) -> np.ndarray | None:
        """`encode(texts)` when the caches hold every text's vector; None when the model would be needed."""
        keys = [text_key(t) for t in texts]
        found = self._stored(list(dict.fromkeys(keys)))
        return np.stack([found[k] for k in keys]) if all(k in found for k in keys) else None

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        keys = [text_key(t) for t in texts]
        unique = list(dict.fromkeys(keys))
        # `found` answers this call, whatever the memory cache evicts meanwhile
        found = self._stored(unique)
        missing = [k for k in unique if k not in found]
        if missing:
            first_text = {}
            for key, text in zip(keys, texts):
                first_text.setdefault(key, text)
            with self._model_lock:
                vectors = self.encoder.encode([first_text[k] for k in missing])
            fresh = dict(zip(missing, vectors))
            found.update(fresh)
            self.memory.put_many(fresh)
            if self.cache is not None:
                self.cache.put_many(self.model_id, fresh)
            self.encoded += len(missing)
        self.hits += len(keys) - len(missing)
        return np.stack([found[k] for k in keys])
