"""Operations: /health (the process is alive), /ready (model, index and database ready), /metrics."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse, Response

from ..deps import get_resources
from ..metrics import exposition
from ..resources import Resources

router = APIRouter(tags=["operations"])


def _state(res: Resources) -> dict:
    db_ok, revision = res.database_ok()
    ready = db_ok and res.model_ready()
    return {
        "status": "ok" if ready else "unavailable", "ready": ready,
        "model": {"ready": res.model_ready(), "encoder": res.settings.encoder, "loaded": res.model_ids()},
        "catalogue": {"ready": True, "id": res.catalogue_id, "courses": len(res.catalogue.courses),
                      "programmes": len(res.catalogue.programmes)},
        "policy": {"id": res.policy.id, "version": res.policy.version, "digest": res.policy.digest},
        "database": {"ready": db_ok, "dialect": res.db_engine.url.get_backend_name(), "revision": revision},
    }


@router.get("/health", summary="The process is alive: 200 while it answers, with what is ready (no key needed)")
def health(res: Resources = Depends(get_resources)):
    return _state(res)


@router.get("/ready", summary="Model, catalogue index and database ready: 200, else 503 (no key needed)",
            responses={503: {"description": "not ready: the same body, saying what is not"}})
def ready(res: Resources = Depends(get_resources)):
    body = _state(res)
    return JSONResponse(body, status_code=200 if body["ready"] else 503)


@router.get("/metrics", summary="Prometheus metrics (no key needed: counts and timings, no personal data)",
            response_class=Response, responses={200: {"content": {"text/plain": {}}}})
def metrics():
    data, content_type = exposition()
    return Response(data, media_type=content_type)
