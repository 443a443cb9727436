from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from ..deps import get_resources
from ..resources import Resources

router = APIRouter(tags=["health"])


@router.get("/health", responses={503: {"description": "not ready: the same body, with what is not ready"}}, summary="Model, catalogue and database ready (no key needed)")
def health(res: Resources = Depends(get_resources)):
    db_ok, revision = res.database_ok()
    body = {
        "status": "ok" if db_ok and res.model_ready() else "unavailable",
        "model": {"ready": res.model_ready(), "encoder": res.settings.encoder, "loaded": res.model_ids()},
        "catalogue": {"ready": True, "id": res.catalogue_id, "courses": len(res.catalogue.courses),
                      "programmes": len(res.catalogue.programmes)},
        "policy": {"id": res.policy.id, "version": res.policy.version, "digest": res.policy.digest},
        "database": {"ready": db_ok, "dialect": res.db_engine.url.get_backend_name(), "revision": revision},
    }
    return JSONResponse(body, status_code=200 if body["status"] == "ok" else 503)
