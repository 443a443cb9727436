"""Prometheus metrics at /metrics (prometheus-client): requests and their latency by route,
batch rows finished, and the encoders' work (texts encoded, cache hits), read at scrape time.

The metrics are process-wide, in the client's default registry: one server process, one set.
"""

from __future__ import annotations

import time
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily
from starlette.types import Message, Receive, Scope, Send

from .asgi import ResponseStartMiddleware

REQUESTS = Counter("recognition_http_requests_total", "HTTP requests answered", ["method", "route", "status"])
LATENCY = Histogram("recognition_http_request_duration_seconds", "Time to answer an HTTP request", ["method", "route"],
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))
BATCH_ROWS = Counter("recognition_batch_rows_total", "Batch rows finished by this process's worker", ["status"])


class EncoderCollector:
    """The encoders' own counters (the engine keeps them; it knows nothing of Prometheus)."""

    def __init__(self) -> None:
        self.resources: Any = None  # set by the app's lifespan

    def collect(self):
        encoded = CounterMetricFamily("recognition_encoder_texts_encoded", "Texts sent to the model", labels=["model"])
        hits = CounterMetricFamily("recognition_encoder_cache_hits", "Texts served from the embedding cache",
                                   labels=["model"])
        if self.resources is not None:
            for encoder in self.resources.engine.encoders():
                encoded.add_metric([encoder.model_id], encoder.encoded)
                hits.add_metric([encoder.model_id], encoder.hits)
        yield encoded
        yield hits


ENCODERS = EncoderCollector()
REGISTRY.register(ENCODERS)


class RequestMetrics(ResponseStartMiddleware):
    """Counts every request and times it, labelled by the route template (never the raw path)."""

    STATUS = "recognition.status"  # the response's status, kept in the request's scope

    def started(self, scope: Scope, message: Message) -> None:
        scope[self.STATUS] = message["status"]

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        start = time.perf_counter()
        try:
            await self.app(scope, receive, send)
        finally:
            route = getattr(scope.get("route"), "path", "unmatched")
            REQUESTS.labels(scope["method"], route, str(scope.get(self.STATUS, 500))).inc()
            LATENCY.labels(scope["method"], route).observe(time.perf_counter() - start)


def exposition() -> tuple[bytes, str]:
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
