"""Plain-text rendering of a credential and its ranked candidates for the terminal."""

from __future__ import annotations

from .credential import MicroCredential
from .matching import Candidate
from .workload import WorkloadError


def describe_credential(credential: MicroCredential) -> list[str]:
    lines = [f"{credential.id}: {credential.title or '(no title)'}"]
    issuer = ", ".join(x for x in (credential.awarding_body, credential.country) if x)
    lines.append(f"  issued by {issuer or '(awarding body missing)'}; language {credential.language or 'not stated'}")
    if credential.level is not None:
        m = credential.level.to_eqf()
        lines.append(f"  level {credential.level} -> EQF {m.eqf_level} ({m.provenance} mapping; {m.source})")
    if credential.workload is not None:
        try:
            ects = credential.workload.to_ects()
            lines.append(f"  workload {ects} ECTS ({ects.conversion}; source: {ects.source})")
        except WorkloadError as exc:
            lines.append(f"  workload not convertible: {exc}")
    missing = credential.missing_elements()
    if missing:
        lines.append(f"  missing Annex I elements: {', '.join(missing)}")
    return lines


def print_ranking(credential: MicroCredential, candidates: list[Candidate]) -> None:
    print()
    print("\n".join(describe_credential(credential)))
    if not candidates:
        print("  no learning outcomes to match: nothing to rank")
        return
    for rank, c in enumerate(candidates, start=1):
        f = c.features
        print(
            f"  {rank}. {c.course_id} {c.title} ({c.ects:g} ECTS): score {c.score:.3f}, "
            f"essential outcomes covered {f['covered_share']:.0%}, incoming outcomes used {f['incoming_share']:.0%}"
        )
        for m in c.matches:
            mark = "+" if m.covered else "-"
            tag = "" if m.essential else " (optional)"
            print(f"     {mark} {m.similarity:.2f}  {m.local_outcome}{tag}")
            print(f"            <- {m.incoming_outcome}")
