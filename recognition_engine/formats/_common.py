"""Shared pieces of the importers: a draft that becomes a MicroCredential, code tables, value readers."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Iterable

from pydantic import ValidationError

from ..credential import MicroCredential
from ..errors import Problem, problems_from_validation
from ..reference import default_reference
from .result import ImportedCredential

# ISO 3166-1 alpha-3 -> alpha-2, for the countries of the EHEA, the EU authority table's usual
# values, ASEAN and the larger sending countries. An unknown code is left out with a note.
COUNTRY_ALPHA3 = {
    "AUT": "AT", "BEL": "BE", "BGR": "BG", "HRV": "HR", "CYP": "CY", "CZE": "CZ", "DNK": "DK", "EST": "EE",
    "FIN": "FI", "FRA": "FR", "DEU": "DE", "GRC": "GR", "HUN": "HU", "IRL": "IE", "ITA": "IT", "LVA": "LV",
    "LTU": "LT", "LUX": "LU", "MLT": "MT", "NLD": "NL", "POL": "PL", "PRT": "PT", "ROU": "RO", "SVK": "SK",
    "SVN": "SI", "ESP": "ES", "SWE": "SE", "ISL": "IS", "LIE": "LI", "NOR": "NO", "CHE": "CH", "GBR": "GB",
    "ALB": "AL", "AND": "AD", "ARM": "AM", "AZE": "AZ", "BIH": "BA", "BLR": "BY", "GEO": "GE", "VAT": "VA",
    "KAZ": "KZ", "MDA": "MD", "MNE": "ME", "MKD": "MK", "RUS": "RU", "SRB": "RS", "TUR": "TR", "UKR": "UA",
    "XKX": "XK", "MCO": "MC", "SMR": "SM", "FRO": "FO", "GRL": "GL",
    "USA": "US", "CAN": "CA", "MEX": "MX", "BRA": "BR", "ARG": "AR", "CHL": "CL", "COL": "CO", "PER": "PE",
    "URY": "UY", "CUB": "CU", "AUS": "AU", "NZL": "NZ", "JPN": "JP", "CHN": "CN", "KOR": "KR", "IND": "IN",
    "IDN": "ID", "MYS": "MY", "SGP": "SG", "THA": "TH", "VNM": "VN", "LAO": "LA", "KHM": "KH", "PHL": "PH",
    "MMR": "MM", "BRN": "BN", "TLS": "TL", "HKG": "HK", "TWN": "TW", "MAC": "MO", "MNG": "MN", "PAK": "PK",
    "BGD": "BD", "LKA": "LK", "NPL": "NP", "IRN": "IR", "IRQ": "IQ", "ISR": "IL", "JOR": "JO", "LBN": "LB",
    "SAU": "SA", "ARE": "AE", "QAT": "QA", "KWT": "KW", "OMN": "OM", "UZB": "UZ", "KGZ": "KG", "TJK": "TJ",
    "TKM": "TM", "ZAF": "ZA", "EGY": "EG", "MAR": "MA", "TUN": "TN", "DZA": "DZ", "NGA": "NG", "KEN": "KE",
    "ETH": "ET", "GHA": "GH", "SEN": "SN", "CMR": "CM", "UGA": "UG", "TZA": "TZ", "RWA": "RW",
}

# ISO 639-2 (bibliographic and terminology codes; the EU authority table uses them upper-case) -> ISO 639-1.
LANGUAGE_ALPHA3 = {
    "ENG": "en", "FRA": "fr", "FRE": "fr", "DEU": "de", "GER": "de", "SPA": "es", "ITA": "it", "NLD": "nl",
    "DUT": "nl", "POL": "pl", "POR": "pt", "FIN": "fi", "SWE": "sv", "DAN": "da", "NOR": "no", "NOB": "nb",
    "NNO": "nn", "ISL": "is", "ICE": "is", "EST": "et", "LAV": "lv", "LIT": "lt", "CES": "cs", "CZE": "cs",
    "SLK": "sk", "SLO": "sk", "SLV": "sl", "HRV": "hr", "SRP": "sr", "BOS": "bs", "MKD": "mk", "MAC": "mk",
    "BUL": "bg", "RON": "ro", "RUM": "ro", "HUN": "hu", "ELL": "el", "GRE": "el", "MLT": "mt", "GLE": "ga",
    "CYM": "cy", "WEL": "cy", "EUS": "eu", "BAQ": "eu", "CAT": "ca", "GLG": "gl", "SQI": "sq", "ALB": "sq",
    "TUR": "tr", "RUS": "ru", "UKR": "uk", "BEL": "be", "KAT": "ka", "GEO": "ka", "HYE": "hy", "ARM": "hy",
    "AZE": "az", "KAZ": "kk", "LTZ": "lb", "VIE": "vi", "LAO": "lo", "KHM": "km", "THA": "th", "IND": "id",
    "MSA": "ms", "MAY": "ms", "TGL": "tl", "ZHO": "zh", "CHI": "zh", "JPN": "ja", "KOR": "ko", "ARA": "ar",
    "HEB": "he", "HIN": "hi", "FAS": "fa", "PER": "fa", "URD": "ur", "BEN": "bn", "MYA": "my", "BUR": "my",
}

QF_EHEA_BY_DEGREE = {"bachelor": "first_cycle", "master": "second_cycle", "phd": "third_cycle", "doctorate": "third_cycle"}


class Draft:
    """The fields read so far for one credential, where each came from, notes and problems."""

    def __init__(self, source: str, location: str):
        self.source = source
        self.location = location
        self.data: dict[str, Any] = {}
        self.origin: dict[str, str] = {}
        self.notes: list[str] = []
        self.problems: list[Problem] = []
        self.identifiers: list[tuple[str, str]] = []

    def set(self, field: str, value: Any, origin: str) -> None:
        if value is None or value == "" or value == [] or value == {}:
            return
        self.data[field] = value
        self.origin[field] = origin

    def has(self, field: str) -> bool:
        return field in self.data

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def problem(self, element: str, message: str) -> None:
        self.problems.append(Problem(self.source, self.location, element, message))

    def identify(self, scheme: str, value: str | None) -> None:
        if value and (scheme, value) not in self.identifiers:
            self.identifiers.append((scheme, str(value)))

    def build(self, cannot_carry: Iterable[str] = (), cite_origin: bool = True) -> ImportedCredential | None:
        """Validate into a MicroCredential; problems name the model field and the source element.
        Returns None when there is any problem (they are left in `self.problems`)."""
        try:
            credential = MicroCredential.model_validate(self.data)
        except ValidationError as exc:
            already = {p.field for p in self.problems}
            for p in problems_from_validation(exc, self.source, self.location):
                top = re.split(r"[.\[]", p.field, maxsplit=1)[0]
                if p.field in already or top in already:
                    continue
                origin = self.origin.get(top) if cite_origin else None
                message = f"{p.message} (read from {origin})" if origin else p.message
                self.problems.append(Problem(p.source, p.location, p.field, message))
            return None
        if self.problems:
            return None
        carried = set(self.data)
        return ImportedCredential(
            credential=credential,
            location=self.location,
            notes=tuple(self.notes),
            cannot_carry=tuple(f for f in cannot_carry if f not in carried),
            identifiers=tuple(self.identifiers),
        )


def make_ids_unique(drafts: list[Draft]) -> None:
    seen: dict[str, int] = {}
    for d in drafts:
        ident = str(d.data.get("id") or "")
        if not ident:
            continue
        if ident in seen:
            seen[ident] += 1
            new = f"{ident}~{seen[ident]}"
            d.data["id"] = new
            d.note(f"id {ident!r} occurs more than once in this input; this one is {new!r}")
        else:
            seen[ident] = 1


def build_items(drafts: list[Draft], fmt_label: str, cannot_carry, problems: list) -> list:
    """Give each draft unique ids and its cannot-carry note, then build it; its problems go to `problems`."""
    make_ids_unique(drafts)
    items = []
    for d in drafts:
        note = cannot_carry_note(fmt_label, [f for f in cannot_carry if not d.has(f)])
        if note:
            d.note(note)
        item = d.build(cannot_carry)
        problems.extend(d.problems)
        if item:
            items.append(item)
    return items


def cannot_carry_note(fmt_label: str, fields: Iterable[str]) -> str | None:
    fields = [f.replace("_", " ") for f in fields]
    return f"the {fmt_label} cannot carry: {', '.join(fields)}" if fields else None


# --- value readers ---------------------------------------------------------------------------

def as_list(value: Any) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def lang_text(value: Any, preferred: tuple[str, ...] = ("en",)) -> str | None:
    """Text from a JSON-LD language map ({"en": "..."}), a plain string, or a list of either."""
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, list):
        for v in value:
            t = lang_text(v, preferred)
            if t:
                return t
        return None
    if isinstance(value, dict):
        if "@value" in value:
            return lang_text(value["@value"], preferred)
        for lang in preferred:
            for key in value:
                if isinstance(key, str) and key.lower().split("-")[0] == lang:
                    t = lang_text(value[key], preferred)
                    if t:
                        return t
        for key, v in value.items():
            if isinstance(key, str) and not key.startswith("@"):
                t = lang_text(v, preferred)
                if t:
                    return t
    return None


def one_line(text: str | None) -> str | None:
    return " ".join(text.split()) if text else None


_DATE = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})(?:[T ][0-9:.]+(?:Z|[+-]\d{2}:?\d{2})?)?\s*$")


def parse_date(draft: Draft, value: Any, element: str) -> dt.date | None:
    """A date from an ISO 8601 date or date-time; the date is taken as written (no time-zone shift)."""
    if value is None or value == "":
        return None
    m = _DATE.match(str(value))
    if m:
        try:
            return dt.date.fromisoformat(m.group(1))
        except ValueError:
            pass
    draft.problem(element, f"{str(value)[:60]!r} is not an ISO 8601 date (YYYY-MM-DD or a date-time)")
    return None


def country_code(value: Any) -> str | None:
    """ISO 3166-1 alpha-2 from an alpha-2 or alpha-3 code or an EU authority URI (.../country/IRL)."""
    if not value:
        return None
    code = str(value).strip().rstrip("/").rsplit("/", 1)[-1].upper()
    if len(code) == 2 and code.isalpha():
        return code
    return COUNTRY_ALPHA3.get(code)


def language_code(value: Any) -> str | None:
    """ISO 639-1 from a 639-1 code (optionally with region), a 639-2 code or an EU authority URI."""
    if not value:
        return None
    code = str(value).strip().rstrip("/").rsplit("/", 1)[-1]
    base = re.split(r"[-_]", code)[0]
    if len(base) == 2 and base.isalpha():
        return base.lower()
    return LANGUAGE_ALPHA3.get(base.upper())


def isced_code(value: Any) -> str | None:
    """An ISCED-F code from a code or a URI such as http://data.europa.eu/snb/isced-f/0688."""
    if value is None:
        return None
    code = str(value).strip().rstrip("/").rsplit("/", 1)[-1]
    return code or None


def is_known_isced(code: str) -> bool:
    return code in default_reference().isced_f


_EQF_URI = re.compile(r"/snb/eqf/(\d+)/?$")


def eqf_from_uri(value: Any) -> str | None:
    m = _EQF_URI.search(str(value or ""))
    return m.group(1) if m else None


def number(draft: Draft, value: Any, element: str) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        draft.problem(element, f"{value!r} is not a number")
        return None
    try:
        return float(str(value).strip().replace(",", "."))
    except ValueError:
        draft.problem(element, f"{str(value)[:40]!r} is not a number")
        return None


def _fmt(x: float) -> str:
    return f"{x:g}"


def credit_scheme(scheme: str) -> str | None:
    """The credit_systems.yaml id for a scheme name, or None when the scheme is not known."""
    s = " ".join(str(scheme).strip().lower().split())
    if not s:
        return None
    if "european credit transfer" in s or s == "ects":
        return "ects"
    system = default_reference().credit_system(s)
    return system.id if system else None


def workload_from_credit(draft: Draft, value: Any, scheme: str | None, element: str) -> dict | None:
    """A workload from a credit value and scheme: a known scheme maps to its credit system id;
    an unknown scheme is kept as free text (it cannot be converted to ECTS) and noted."""
    amount = number(draft, value, f"{element} value")
    if amount is None:
        return None
    if amount < 0:
        draft.problem(f"{element} value", f"a credit value cannot be negative, got {_fmt(amount)}")
        return None
    if amount == 0:
        draft.note(f"{element}: a credit value of 0 was not used as the workload")
        return None
    scheme = scheme.strip() if isinstance(scheme, str) else ""
    if not scheme:
        draft.note(f"{element}: {_fmt(amount)} credits with no scheme; kept as text, cannot be converted to ECTS")
        return {"text": f"{_fmt(amount)} credits (scheme not stated)"}
    unit = credit_scheme(scheme)
    if unit is None:
        draft.note(f"{element}: credit scheme {scheme!r} is not in reference_data/credit_systems.yaml; "
                   f"kept as text, cannot be converted to ECTS")
        return {"text": f"{_fmt(amount)} {scheme}"}
    return {"value": amount, "unit": unit}


_ISO_HOURS = re.compile(r"^PT(?:(\d+(?:[.,]\d+)?)H)?(?:(\d+(?:[.,]\d+)?)M)?(?:(\d+(?:[.,]\d+)?)S)?$")


def duration_hours(value: Any) -> float | None:
    """Hours from an ISO 8601 duration written in hours/minutes (PT60H, PT7H30M). Durations in
    days, weeks, months or years are calendar time, not hours of work, and give None."""
    m = _ISO_HOURS.match(str(value or "").strip().upper())
    if not m or not any(m.groups()):
        return None
    h, mins, secs = (float(g.replace(",", ".")) if g else 0.0 for g in m.groups())
    total = h + mins / 60 + secs / 3600
    return round(total, 2) if total > 0 else None


def participation(label: str | None) -> str | None:
    """online | onsite | blended from a mode label such as 'Online', 'Blended', 'Face-to-face'."""
    if not label:
        return None
    s = label.lower()
    if "blend" in s or "hybrid" in s:
        return "blended"
    if any(k in s for k in ("online", "e-learning", "elearning", "distance", "remote", "virtual")):
        return "online"
    if any(k in s for k in ("onsite", "on-site", "on site", "face-to-face", "face to face", "in person",
                            "in-person", "presential", "classroom", "campus")):
        return "onsite"
    return None


def supervision_and_identity(label: str | None, assessment_mode: str | None) -> tuple[str | None, str | None]:
    """Supervision and identity verification from a label such as 'Unsupervised without ID
    Verification' or 'Supervised online with identity verification'. Where the label does not say
    online or on site, the assessment's own mode is used; otherwise the element is left empty."""
    if not label:
        return None, None
    s = label.lower()
    where = participation(s) or assessment_mode
    supervision = identity = None
    if "unsupervised" in s or "not supervised" in s or "no supervision" in s:
        supervision = "online_unsupervised" if where == "online" else "none"
    elif "supervis" in s or "proctor" in s or "invigilat" in s:
        supervision = {"online": "online_proctored", "onsite": "onsite"}.get(where or "")
    if any(k in s for k in ("without id", "without identity", "no id", "no identity", "not verified")):
        identity = "none"
    elif "self-declared" in s or "self declared" in s:
        identity = "self_declared"
    elif "identity verification" in s or "id verification" in s or "verified identity" in s:
        identity = {"online": "online", "onsite": "onsite"}.get(where or "")
    return supervision, identity


# --- text that is not learning outcomes --------------------------------------------------------

_PLACEHOLDER_LINE = re.compile(
    r"(?i)^\W*(tbd|tba|todo|n/?a|n\.a\.|none|null|nil|x{3,}|placeholder|description|course description|"
    r"((course|module|unit) )?(no )?description (is )?(not |currently not )?(yet )?available|not available|no description|to be (completed|defined|added|"
    r"announced|confirmed)|(please )?(enter|insert|add|type) (the |a |your )?(course |module )?(description|text|"
    r"learning outcomes)( here)?|lorem ipsum.*)\W*$")
_TEMPLATE_MARK = re.compile(r"\{\{[^}]*\}\}|\$\{[^}]*\}|\[\[[^\]]*\]\]|<<[^>]*>>|%\([a-z_]+\)s|"
                            r"\[(?:insert|enter|add|description|text|course|module|title)[^\]]*\]|(?i:lorem ipsum)",
                            re.I)


def placeholder(text: str | None) -> str | None:
    """Why `text` is a template placeholder rather than content (e.g. "'TBD'", "template marker
    '{{description}}'"), or None. Only the format-specific case: text a template left unfilled."""
    if not text or not text.strip():
        return None
    flat = " ".join(text.split())
    if _PLACEHOLDER_LINE.match(flat):
        return f"{flat[:40]!r}"
    m = _TEMPLATE_MARK.search(flat)
    if m:
        return f"template marker {m.group()[:40]!r}"
    if len(set(re.sub(r"\W", "", flat.lower()))) <= 1:  # "-----", "....", "xxxxxx"
        return f"{flat[:20]!r}"
    return None


def fold(text: Any) -> str:
    """Lower case, single spaces, no punctuation: for comparing titles and names."""
    return " ".join(re.sub(r"[^\w]+", " ", str(text or "").lower()).split())
