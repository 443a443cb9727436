"""What an importer returns: the credentials, what was noted about each, and learning agreements."""

from __future__ import annotations

from dataclasses import dataclass

from ..credential import MANDATORY_ELEMENTS, MicroCredential


@dataclass(frozen=True)
class ImportedCredential:
    """One credential read from a source document, with where it came from and what was noted."""

    credential: MicroCredential
    location: str  # element path in the source, e.g. "report[1]/learningOpportunitySpecification[2]"
    notes: tuple[str, ...] = ()
    # Annex I elements the source format has no element for (left empty, never guessed).
    cannot_carry: tuple[str, ...] = ()
    # Identifiers found in the source, as (scheme, value): ("local", "1000-217bMRJ"), ("ewp-los-id", ...).
    identifiers: tuple[tuple[str, str], ...] = ()

    @property
    def id(self) -> str:
        return self.credential.id

    @property
    def missing(self) -> tuple[str, ...]:
        """Mandatory Annex I elements still missing after the import."""
        return tuple(self.credential.missing_elements())

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "location": self.location,
            "notes": list(self.notes),
            "cannot_carry": list(self.cannot_carry),
            "missing": list(self.missing),
            "missing_labels": [MANDATORY_ELEMENTS[m] for m in self.missing],
            "identifiers": [list(pair) for pair in self.identifiers],
            "credential": self.credential.model_dump(mode="json", exclude_none=True),
        }


@dataclass(frozen=True)
class Credit:
    scheme: str
    value: float


@dataclass(frozen=True)
class LAComponent:
    """One component of an Erasmus+ learning agreement (EWP Online Learning Agreement)."""

    table: str  # studied | recognized | virtual | blended | short-term-doctoral
    title: str
    los_id: str | None = None
    los_code: str | None = None
    loi_id: str | None = None
    term: str | None = None
    credits: tuple[Credit, ...] = ()
    recognition_conditions: str | None = None
    short_description: str | None = None
    status: str | None = None  # inserted | deleted (relative to the first version), or None
    reason: str | None = None

    @property
    def ects(self) -> float | None:
        for c in self.credits:
            if c.scheme.strip().lower() == "ects":
                return c.value
        return None

    @property
    def at_receiving_institution(self) -> bool:
        """Components studied abroad (tables A, virtual, blended, doctoral) appear on the receiving transcript."""
        return self.table != "recognized"


@dataclass(frozen=True)
class LearningAgreement:
    omobility_id: str
    sending_hei: str | None
    receiving_hei: str | None
    receiving_academic_year: str | None
    student_name: str | None
    version: str  # first-version | first-version+approved-changes | approved-changes | changes-proposal
    agreed: bool  # False when only an unapproved proposal exists
    signed_by: tuple[str, ...]
    components: tuple[LAComponent, ...]
    location: str = ""
    notes: tuple[str, ...] = ()

    @property
    def studied(self) -> tuple[LAComponent, ...]:
        """Components to be studied at the receiving institution (deleted ones left out)."""
        return tuple(c for c in self.components if c.at_receiving_institution and c.status != "deleted")

    @property
    def recognized(self) -> tuple[LAComponent, ...]:
        """Components to be recognised at the sending institution (deleted ones left out)."""
        return tuple(c for c in self.components if c.table == "recognized" and c.status != "deleted")


@dataclass(frozen=True)
class ImportResult:
    """The credentials read from one input, with per-credential notes, and any learning agreements."""

    format: str
    source: str
    items: tuple[ImportedCredential, ...] = ()
    learning_agreements: tuple[LearningAgreement, ...] = ()
    notes: tuple[str, ...] = ()  # about the input as a whole (e.g. skipped records)

    @property
    def credentials(self) -> list[MicroCredential]:
        return [item.credential for item in self.items]

    @property
    def credential_notes(self) -> dict[str, tuple[str, ...]]:
        return {item.id: item.notes for item in self.items}

    def notes_for(self, credential_id: str) -> tuple[str, ...]:
        return self.credential_notes.get(credential_id, ())

    def item(self, credential_id: str) -> ImportedCredential:
        for it in self.items:
            if it.id == credential_id:
                return it
        raise KeyError(credential_id)

    def as_dict(self) -> dict:
        return {
            "format": self.format,
            "source": self.source,
            "notes": list(self.notes),
            "credentials": [item.as_dict() for item in self.items],
            "learning_agreements": [_la_dict(la) for la in self.learning_agreements],
        }


def _la_dict(la: LearningAgreement) -> dict:
    return {
        "omobility_id": la.omobility_id, "sending_hei": la.sending_hei, "receiving_hei": la.receiving_hei,
        "receiving_academic_year": la.receiving_academic_year, "student_name": la.student_name,
        "version": la.version, "agreed": la.agreed, "signed_by": list(la.signed_by), "notes": list(la.notes),
        "components": [
            {
                "table": c.table, "title": c.title, "los_id": c.los_id, "los_code": c.los_code, "loi_id": c.loi_id,
                "term": c.term, "credits": [{"scheme": k.scheme, "value": k.value} for k in c.credits],
                "recognition_conditions": c.recognition_conditions, "short_description": c.short_description,
                "status": c.status, "reason": c.reason,
            }
            for c in la.components
        ],
    }
