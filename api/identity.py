"""Credential fingerprints (for precedents) and learner pseudonyms (for logs)."""

from __future__ import annotations

import hashlib
import hmac
import json
import re

from recognition_engine.credential import MicroCredential

_SPACE = re.compile(r"\s+")


def _norm(text: str | None) -> str:
    return _SPACE.sub(" ", (text or "").casefold()).strip().rstrip(".;")


def fingerprint(credential: MicroCredential) -> str:
    """The same credential, whoever holds it: awarding body, title and outcomes (order, case
    and spacing ignored). Two assessments with one fingerprint are precedents for each other."""
    key = {
        "awarding_body": _norm(credential.awarding_body),
        "title": _norm(credential.title),
        "outcomes": sorted(_norm(t) for t in credential.outcome_texts),
    }
    return hashlib.sha256(json.dumps(key, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


class Pseudonymiser:
    """Keyed hashes of learner identifiers: logs say `L-3f9a0c1b2d4e`, never the identifier."""

    def __init__(self, secret: bytes):
        self._secret = secret

    def __call__(self, learner: str | None) -> str:
        if not learner:
            return "-"
        return "L-" + hmac.new(self._secret, learner.encode("utf-8"), hashlib.sha256).hexdigest()[:12]
