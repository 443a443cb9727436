"""What every page shares: templates, the signed-in viewer, CSRF, labels, field errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.templating import Jinja2Templates
from starlette.responses import HTMLResponse

from recognition_engine.errors import InputError
from recognition_engine.matching import FEATURE_LABELS
from recognition_engine.messages import N_, localised
from recognition_engine.rules.base import VALUE_WORDS

from ..privacy import LearnerView
from ..problems import ApiProblem
from . import auth
from .i18n import LOCALES, tr, translator

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=str(HERE / "templates"))
templates.env.globals.update(locales=LOCALES)

OUTCOMES = {
    "full": N_("Full recognition"),
    "partial": N_("Partial recognition"),
    "alternative": N_("Alternative recognition"),
    "conditional": N_("Conditional recognition"),
    "refused": N_("Recognition refused"),
    "insufficient_information": N_("Insufficient information"),
}
VERDICTS = {
    "meets": N_("Meets"),
    "minor_difference": N_("Minor difference"),
    "substantial_difference": N_("Substantial difference"),
    "insufficient_information": N_("Insufficient information"),
}
ZONES = {"covered": N_("Covered"), "to_confirm": N_("To confirm"), "not_covered": N_("Not covered")}
ROLES = {"officer": N_("Officer"), "registrar": N_("Registrar"), "analyst": N_("Analyst"), "admin": N_("Administrator")}
# Words the templates translate by value: score names, batch statuses, Annex I choices, import states.
WORDS = (N_("probability"), N_("coverage"), N_("queued"), N_("running"), N_("done"), N_("online"), N_("onsite"),
         N_("blended"), N_("external"), N_("accredited_provider"), N_("internal"), N_("none"),
         N_("online_unsupervised"), N_("online_proctored"), N_("self_declared"),
         N_("indexing"), N_("active"), N_("superseded"), N_("failed"))
ZONE_MARK = {"covered": "✓", "to_confirm": "?", "not_covered": "✗"}


class WebRedirect(Exception):
    def __init__(self, url: str):
        self.url = url


class WebError(Exception):
    """An error page (HTML) with a status and a translated message."""

    def __init__(self, status: int, message: str):
        self.status, self.message = status, message


EVIDENCE_CHARS = 160  # a card shows the start of a long value; the full evidence is in the API's explanation
# The names of a finding's evidence, as the cards show them (others are shown as the engine names them).
EVIDENCE_NAMES = {
    "required": N_("required"), "missing": N_("missing"), "incoming": N_("incoming"), "incoming_eqf": N_("incoming EQF level"),
    "mapping": N_("mapping"), "course_eqf": N_("course EQF level"), "incoming_ects": N_("incoming ECTS"), "share": N_("share"),
"threshold": N_("threshold"), "covered_share": N_("share covered"), "to_confirm": N_("to confirm"),
    "compared": N_("compared"), "flagged": N_("flagged"), "flagged_share": N_("share flagged"), "type": N_("type"),
    "description": N_("description"), "type_of_assessment": N_("type of assessment"), "read_as": N_("read as"),
    "phrase": N_("phrase"), "phrase_language": N_("language of the phrase"), "signals": N_("trust signals"),
    "combination": N_("combination"), "grade": N_("grade"), "requirements": N_("requirements"), "practical": N_("practical"),
    "grade_share": N_("grade as a share"), "form": N_("form"), "date_of_issue": N_("date of issue"), "as_of": N_("as of"),
    "years": N_("years"), "incoming_label": N_("incoming field"), "course": N_("course"), "course_label": N_("course field"),
    "programme": N_("programme"), "programmes": N_("programmes"), "max_ects": N_("maximum ECTS"), "field": N_("field"),
    # inside a list or a dict of evidence
    "local": N_("course outcome"), "local_level": N_("its level"), "local_verb": N_("its verb"),
    "incoming_level": N_("level met"), "incoming_verb": N_("verb met"), "name": N_("name"), "reference": N_("reference"),
    "practical_component": N_("practical component"), "min_grade": N_("minimum grade"), "contact_hours": N_("contact hours"),
}


def evidence_items(finding: dict[str, Any], _: Any) -> list[tuple[str, str]]:
    """A finding's evidence as (name, text) lines for its card, in the page's language where
    the catalogue has the name or the word; the outcome pairs have their own table, and the
    working (steps) is in the letter and the API's explanation."""
    shown = {"workload": {"conversion", "source", "course_ects"}, "level": {"mapping_source"},
             "learning_outcomes": {"covered", "missing"}}.get(finding["check"], set())  # shown elsewhere on the page
    out = []
    for key, value in (finding.get("evidence") or {}).items():
        if key in ("pairs", "steps") or key in shown or value in (None, "", [], {}):
            continue
        if isinstance(value, list) and all(isinstance(x, (str, int, float)) for x in value):
            value = ", ".join(str(x) for x in value)
        elif isinstance(value, (list, dict)):
            value = "; ".join(", ".join(f"{_(EVIDENCE_NAMES.get(k) or VALUE_WORDS.get(k, k))}: "
                                        f"{_(VALUE_WORDS.get(v, v)) if isinstance(v, str) else v}"
                                        for k, v in x.items()) if isinstance(x, dict) else str(x)
                              for x in (value if isinstance(value, list) else [value]))
        elif isinstance(value, str):
            value = _(value)  # a word the catalogue knows (official, online, ...); data stays as it is
        text = str(value)
        name = _(EVIDENCE_NAMES[key]) if key in EVIDENCE_NAMES else key.replace("_", " ")
        out.append((name, text if len(text) <= EVIDENCE_CHARS else text[:EVIDENCE_CHARS - 1] + "…"))
    return out


def contributions(candidate: dict[str, Any]) -> list[tuple[str, float]]:
    """Why a candidate ranked where it did: the engine's contributions to the score's log-odds
    (each feature's, and the model's baseline), largest first, named as the engine names them
    (the template translates the names)."""
    raw = candidate.get("contributions") or {}
    # A feature that took no part (a zero weight, e.g. "another language" for a model fitted on
    # one language) is left out: it would read as "-0.000".
    return sorted(((FEATURE_LABELS.get(name, name), value) for name, value in raw.items() if round(value, 3) != 0),
                  key=lambda x: -abs(x[1]))


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    _ = translator(request)
    viewer = getattr(request.state, "viewer", None)
    return templates.TemplateResponse(request, template, status_code=status, context={
        "_": _, "lang": _.locale, "viewer": viewer, "csrf": viewer.csrf if viewer else None,
        "outcome_label": lambda o: _(OUTCOMES[o]) if o in OUTCOMES else (o or ""),
        "verdict_label": lambda v: _(VERDICTS[v]) if v in VERDICTS else v,
        "zone_label": lambda z: _(ZONES[z]), "zone_mark": ZONE_MARK.get,
        "role_label": lambda r: _(ROLES.get(r, r)), "outcomes": OUTCOMES,
        "evidence_items": lambda f: evidence_items(f, _), "contributions": contributions,
        # an engine text of a stored assessment (a finding's reason, the summary, ...) in the page's language
        "text": lambda data, field: localised(data, field, _.gettext),
        **context})


def learner_view(request: Request, viewer: auth.Viewer) -> LearnerView:
    """What this viewer may see of learners: the API's rule (an analyst sees pseudonyms)."""
    return LearnerView.of(viewer.role, request.app.state.resources.pseudonym)


def page_user(*roles: str):
    """A page for these roles: without a session, to the sign-in page; with another role, 403."""

    def dependency(request: Request) -> auth.Viewer:
        viewer = auth.current(request)
        if viewer is None:
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            raise WebRedirect(f"/ui/sign-in?next={quote(target, safe='')}")
        request.state.viewer = viewer
        if viewer.role not in roles:
            _ = translator(request)
            raise WebError(403, _("Your role (%(role)s) may not open this page; it is for: %(allowed)s.",
                                  role=_(ROLES[viewer.role]), allowed=", ".join(_(ROLES[r]) for r in roles)))
        return viewer

    return Depends(dependency)


async def form_of(request: Request, viewer: auth.Viewer) -> Any:
    """The posted form, once its CSRF token has been checked against the session's."""
    form = await request.form()
    if not auth.csrf_valid(viewer.csrf, form.get("csrf")):
        raise csrf_refused(request)
    return form


def csrf_refused(request: Request) -> WebError:
    return WebError(403, tr(request, "This form has expired or did not come from this site. Reload the page and try "
                                     "again."))


def field_errors(exc: Exception) -> dict[str, list[str]]:
    """The API's field-named problems as {field: [messages]}, '' for problems about the whole input."""
    out: dict[str, list[str]] = {}
    if isinstance(exc, InputError):
        items = [(p.field, p.message) for p in exc.problems]
    elif isinstance(exc, ApiProblem):
        items = [(e.get("field", ""), e.get("message", "")) for e in (exc.errors or [])] or [("", exc.detail)]
    else:
        raise TypeError(exc)
    for name, message in items:
        out.setdefault(name or "", []).append(message)
    return out
