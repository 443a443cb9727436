"""Revised-Bloom cognitive level of a learning outcome, from its verbs and their context.

A rule-based reader, deterministic and pure Python: no model, so the same text always gets
the same level and the evidence names the words that decided it.

How an outcome is read:

1. Normalise: NFC, lower case, '-ize'/'-yze' spelled '-ise'/'-yse', Vietnamese tone marks in
   the new style ('hoá' -> 'hóa'); drop parenthesised asides and 'e.g.'.
2. Find verbs only in *verb slots*: the start of a clause, after a modal or a subject
   ('students will', 'the learner can', 'sinh viên có thể'), after an infinitive 'to' or
   Vietnamese 'để', and after 'and'/'or'/','. So "design" in "apply the design process" or
   "use" in "use of force" is not read as a verb. A coordinated word that is also a
   common noun ('design', 'test', 'plan', ...) counts only when it directly continues a run
   of verbs ("design, build and test") or is followed by an object ('the', 'their', ...).
   Inside a 'how/why/what ...' clause nothing counts ("explain how software can be used to
   analyse data" is about explaining), except after 'know/learn how to'.
3. Phrasal verbs are matched longest first ('carry out', 'make use of'); inflections are
   generated from the verb list ('analysing', 'designs', 'modelled').
4. Nominal outcomes count as evidence: 'knowledge of' / 'aware of' -> remember,
   'understanding of' -> understand, also after an article and adjectives ("An advanced
   practical and critical understanding of"). A light verb ('demonstrate', 'show', 'have',
   'gain', 'develop', Vietnamese 'có') before such a noun, or before 'the ability to <verb>',
   gives way to the noun or to the verb; before a skill noun with no verb after it
   ("demonstrate laboratory skills") a verb of showing is itself read (apply).
5. A verb listed at several levels takes the level of its context rule (`CONTEXT_RULES`,
   each grounded in a definition of Anderson & Krathwohl 2001), else its lowest level.
   'critically' before a remember/understand verb ("critically discuss") makes it evaluate.
6. Several verbs: the outcome demands every process it names, so every level read is kept
   (`BloomLevel.readings`, `.levels`: "analyse and evaluate" reads analyse and evaluate, as
   multi-label annotations do) and the highest is `level`, the one the rules compare.
   Remember beside a higher level is not a level of its own (recall is part of it). An
   infinitive after the object of a verb states its purpose ("use data to improve
   teaching": apply) and a modal after a relative pronoun ("factors that can improve") opens
   no verb: neither is read. A run of verbs after that 'to' ("use skills to generate and
   evaluate ideas") lists what is asked, and is read.
7. Nominalised processes count as their verb ("perform a statistical analysis", "critical
   analysis of"): a verb of doing ('conduct', 'perform', ...) gives way to them. A verb of
   showing before 'knowledge'/'awareness'/'appreciation', or before "the ability to" a
   non-cognitive verb, is read itself (demonstrating knowledge is using it: apply);
   "knowledge and understanding of" reads the highest nominal.

Verb conventions (issue 11 item 8). Published verb lists disagree on many verbs; where the
human annotators of real university outcomes (the Monash set, Li et al., EDM 2022) use a
level that a published list also gives, the list here follows them: communicate, present,
prepare, integrate, model, recommend -> create (Bloom 1956 synthesis: "production of a
unique communication"); interpret, predict, summarise, contrast, "compare and contrast" ->
evaluate, compare, classify, select, review, reflect -> analyse, relate, illustrate,
translate, report -> apply (Kennedy, Hyland & Ryan 2006 and similar lists); familiar/aware
-> understand. These were chosen after reading monash-dev's errors, so its figure is a
development figure (benchmarks/DATA.md).

'describe' is understand (describing in one's own words constructs meaning; A&K's remember
is retrieval), 'distinguish' is analyse (A&K 4.1 differentiating names it), 'construct' is
create (A&K 6.3 producing, alternative name 'constructing') unless it builds a standard
chart or table (executing, 3.1).

No verb and no nominal -> None: a level is never guessed from nothing.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable

from .reference import BLOOM_LEVELS, ReferenceData, built_once

# ---------------------------------------------------------------------------------------
# Context rules for verbs listed at several levels. Each: (default level, [(cue, level)]).
# The first cue found anywhere after the verb in its clause decides; otherwise the default.
# ---------------------------------------------------------------------------------------

# A&K 2.0 understand = "construct meaning": describing how/why/a relation is explaining,
# describing the parts of something is recall.
_WHY = (r"how|why|roles?|relationships?|relation|impacts?|effects?|causes?|principles?|mechanisms?|"
        r"functions?|significance|importance|purposes?|differences?|implications?|interactions?|reasons?|"
        r"như thế nào|tại sao|vì sao|vai trò|nguyên lý|nguyên tắc|cơ chế|mối quan hệ|ý nghĩa|tác động|"
        r"ảnh hưởng|khác biệt|khác nhau|cách|cách thức|chức năng")
# A&K 4.1 differentiating: "distinguishing relevant from irrelevant parts".
_RELEVANT = r"relevant|irrelevant|unimportant|facts? from opinions?|opinions? from facts?|liên quan"
# A&K 4.3 attributing: "determine a point of view, bias, values or intent underlying material".
_INTENT = (r"points? of view|bias|biases|intentions?|intent|motives?|assumptions?|perspectives?|"
           r"quan điểm|thiên kiến|giả định|động cơ")
# A&K 5.2 critiquing: judging against criteria and standards.
_JUDGE = r"quality|validity|credibility|reliability|merits?|strengths and weaknesses|criteria|chất lượng|độ tin cậy"
_BEST = r"best|most|optimal|optimum|justif\w*|tốt nhất|tối ưu"
_CLAIM = r"validity|claims?|assumptions?|arguments?|credibility|tính đúng đắn"
# A&K 6 create = "put elements together into a new, coherent whole; generate, plan, produce".
_NEW = (r"new|original|novel|own|innovative|creative|arguments?|theory|theories|hypothes[ie]s|"
        r"frameworks?|strateg(?:y|ies)|proposals?|mới|sáng tạo")

# A&K 3.1 executing: carrying out a routine procedure; drawing a standard chart or table from
# given data is executing even when the outcome says 'construct'.
_PROCEDURE = (r"histograms?|charts?|graphs?|plots?|tables?|truth tables?|diagrams?|frequency|confidence intervals?|"
              r"matrix|matrices")

CONTEXT_RULES: dict[str, tuple[int, tuple[tuple[str, int], ...]]] = {
    "trình bày": (1, ((_WHY, 2),)),
    "so sánh": (2, ((_RELEVANT, 4), (_INTENT, 4))),
    **dict.fromkeys(["infer", "suy luận"], (2, ((_INTENT, 4),))),
    **dict.fromkeys(["identify", "recognise", "xác định", "nhận biết"], (1, ((_INTENT, 4),))),
    "determine": (3, ((_INTENT, 4),)),
    **dict.fromkeys(["conclude", "draw conclusions"], (2, ((_JUDGE, 5),))),
    "review": (4, ((_JUDGE, 5),)),
    # A&K 3.2 implementing: "selects and uses a procedure to perform an unfamiliar task";
    # choosing the best of several options against criteria is evaluating.
    **dict.fromkeys(["choose", "lựa chọn", "chọn"], (3, ((_BEST, 5),))),
    "select": (4, ((_BEST, 5),)),
    **dict.fromkeys(["test", "kiểm thử"], (3, ((_CLAIM, 5),))),
    **dict.fromkeys(["adapt", "deploy", "program", "train", "lập trình", "mô hình hóa"],
                    (3, ((_NEW, 6),))),
    "construct": (6, ((_PROCEDURE, 3),)),
    "tích hợp": (4, ((_NEW, 6),)),
}

# Nominalised processes read as their verb: "a critical analysis of", "conduct an evaluation of".
PROCESS_NOUNS = {
    "analysis": 4, "analyses": 4, "comparison": 4, "comparisons": 4, "investigation": 4, "reflection": 4,
    "evaluation": 5, "evaluations": 5, "appraisal": 5, "critique": 5, "critiques": 5, "interpretation": 5,
    "interpretations": 5, "synthesis": 6,
}
# Nouns and adjectives that state a level without a verb ("knowledge of", "be aware of"). Being
# familiar with or aware of a field is holding a working picture of it, read as understand (as
# the Monash annotators do); 'knowledge of' alone is what one can retrieve (remember).
NOMINALS = {
    "knowledge": 1, "kiến thức": 1,
    "awareness": 2, "familiarity": 2, "aware": 2, "familiar": 2, "conversant": 2, "acquainted": 2,
    "understanding": 2, "understandings": 2, "comprehension": 2, "appreciation": 2, "grasp": 2, "insight": 2,
    "insights": 2,
    **PROCESS_NOUNS,
}
_ADJECTIVES = {"aware", "familiar", "conversant", "acquainted"}
# "the ability to <verb>", "skills in <verb>ing", "có khả năng <verb>": the verb decides.
ABILITIES = {"ability", "abilities", "capacity", "capability", "skill", "skills", "competence", "competency",
             "proficiency", "khả năng", "kỹ năng", "kĩ năng", "năng lực"}
LIGHT_VERBS = {"demonstrate", "show", "have", "gain", "develop", "acquire", "possess", "display", "exhibit", "có"}
# Verbs of doing that give way to a nominalised process they govern: "perform a statistical analysis".
DOING_VERBS = {"conduct", "perform", "undertake", "complete", "provide", "make", "do"}

_MODALS = {"will", "can", "could", "should", "must", "shall", "may", "might", "would", "sẽ", "cần", "phải"}
_SUBJECTS = {"student", "students", "learner", "learners", "participant", "participants", "graduate",
             "graduates", "trainee", "trainees", "candidate", "candidates", "pupil", "pupils", "holder",
             "holders", "they", "you", "we"}
_VI_OPENERS = {("có", "thể"), ("sinh", "viên"), ("học", "viên"), ("người", "học"), ("biết", "cách")}
_COORDINATORS = {"and", "or", "then", "nor", "và", "hoặc", ","}
_WH = {"how", "why", "what", "when", "where", "whether", "which", "who", "whom", "tại", "vì", "cách", "liệu"}
_KNOW_HOW = {"know", "knows", "knowing", "learn", "learns", "learning", "understand", "understands",
             "demonstrate", "demonstrates", "show", "shows"}
# Words a verb slot passes over, besides '-ly' adverbs ("will also design", "be familiar with").
_TRANSPARENT = {"also", "then", "further", "both", "either", "not", "well", "first", "be", "being", "become",
                "becoming"}
_ARTICLES = {"a", "an", "the"}
# Adjectives, besides '-al' and '-ic' ones, that open a nominal outcome ("Sound knowledge of").
_NOMINAL_ADJECTIVES = {"basic", "sound", "good", "broad", "deep", "deeper", "thorough", "solid", "strong",
                       "clear", "firm", "detailed", "working", "advanced", "comprehensive", "applied",
                       "integrated", "extensive", "informed", "rigorous", "coherent", "reflective",
                       "comparative", "introductory", "specialised", "specialized", "independent", "high",
                       "wide", "full", "in-depth", "appropriate", "effective", "sophisticated", "mature"}
# "parameters that can improve performance": a modal after a relative pronoun opens no outcome verb.
_RELATIVES = {"that", "which", "who", "whom", "whose"}
# Nouns and adjectives after which 'to' is a preposition ("introduction to design").
_PREPOSITIONAL_TO = {
    "introduction", "introductions", "approach", "approaches", "contribution", "contributions", "contribute",
    "related", "relation", "according", "due", "prior", "exposure", "access", "respect", "relevant",
    "compared", "leading", "applied", "applicable", "attention", "commitment", "response", "responses",
    "solution", "solutions", "guide", "reference", "regard", "addition", "similar", "adherence", "adapted",
    "tailored", "linked", "subject", "committed", "close", "equal", "exposed", "up", "back", "down",
}
# An object after a coordinated verb: evidence that the word is used as a verb.
_OBJECT_STARTERS = {
    "a", "an", "the", "their", "its", "his", "her", "our", "your", "my", "this", "these", "those", "that",
    "them", "it", "each", "every", "all", "any", "some", "such", "both", "how", "why", "what", "whether",
    "which", "when", "where", "who", "on", "with", "into", "from", "for", "up", "out", "simple", "basic",
    "new", "appropriate", "suitable", "relevant", "existing", "complex", "different", "various",
    "several", "multiple", "own", "các", "những", "một", "mọi", "được", "cho", "về",
}
# Verbs that are also common nouns: coordinated, they need a run of verbs or an object.
_NOUN_LIKE = {
    "design", "model", "test", "plan", "program", "programme", "structure", "review", "survey", "report",
    "record", "document", "list", "name", "state", "label", "match", "question", "experiment", "schedule", "sketch",
    "draft", "prototype", "grade", "rate", "rank", "check", "monitor", "use", "show", "train", "find",
    "judge", "author", "engineer", "quote", "outline", "attribute", "estimate", "present", "practice",
    "draw", "build", "compile", "thiết kế", "phân tích", "đánh giá", "mô hình hóa", "kiểm thử",
    "lập trình", "kiểm tra", "khảo sát", "tổ chức", "tổng hợp", "phát triển", "xây dựng", "thực hành",
}
_CLAUSE_END = {";", ":", ".", "!", "?"}
_IRREGULAR = {
    "write": ("wrote", "written"), "build": ("built",), "find": ("found",), "tell": ("told",),
    "show": ("shown",), "draw": ("drew", "drawn"), "choose": ("chose", "chosen"), "know": ("knew", "known"),
    "understand": ("understood",), "make": ("made",), "break": ("broke", "broken"), "think": ("thought",),
    "undertake": ("undertook", "undertaken"), "give": ("gave", "given"), "come": ("came",),
}

_TOKEN = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*|[;:.,!?]")
_ASIDES = re.compile(r"\([^()]*\)|\[[^\[\]]*\]|\b(?:e\.g|i\.e|etc|cf)\.", re.IGNORECASE)
_BRITISH = re.compile(r"([iy])z(e|es|ed|ing)$")
# Old-style Vietnamese tone placement on a final 'oa', 'oe', 'uy' (decomposed text): 'hoá' -> 'hóa'.
# The Vietnamese words in this module and in bloom_verbs.csv are written in the new style.
_VI_OLD_TONE = re.compile(r"(o(?=[ae])|u(?=y))([aey])([\u0300\u0301\u0303\u0309\u0323])(?![^\W\d_])")


def _normalise_word(word: str) -> str:
    return _BRITISH.sub(r"\1s\2", word)


def _normalise_text(text: str) -> str:
    text = unicodedata.normalize("NFD", text.lower().replace("’", "'"))
    return unicodedata.normalize("NFC", _VI_OLD_TONE.sub(r"\1\3\2", text))


def _tokens(text: str) -> list[str]:
    """Lower-cased word and punctuation tokens with spelling normalised, asides dropped."""
    return [_normalise_word(t) for t in _TOKEN.findall(_ASIDES.sub(" ", _normalise_text(text)))]


def _inflections(word: str) -> dict[str, str]:
    """Surface form -> kind ('base', 's', 'ed', 'ing') for one English verb."""
    cons = "bcdfghjklmnpqrstvz"
    forms = {word: "base"}
    if word.endswith(("s", "x", "z", "ch", "sh", "o")):
        forms[word + "es"] = "s"
    elif word[-1] == "y" and word[-2] in cons:
        forms[word[:-1] + "ies"] = "s"
    else:
        forms[word + "s"] = "s"
    if word[-1] == "e":
        forms[word + "d"] = "ed"
        forms[(word if word.endswith(("ee", "ye", "oe")) else word[:-1]) + "ing"] = "ing"
    elif word[-1] == "y" and word[-2] in cons:
        forms[word[:-1] + "ied"] = "ed"
        forms[word + "ing"] = "ing"
    else:
        forms[word + "ed"] = "ed"
        forms[word + "ing"] = "ing"
        if len(word) > 2 and word[-1] in cons and word[-1] not in "wxy" and word[-2] in "aeiou" and word[-3] in cons:
            forms[word + word[-1] + "ed"] = "ed"
            forms[word + word[-1] + "ing"] = "ing"
    for form in _IRREGULAR.get(word, ()):
        forms[form] = "ed"
    return forms


@dataclass(frozen=True)
class BloomLevel:
    """The cognitive level of one outcome and why.

    `level` is the highest level read (an outcome demands every process it names) and
    `verb` the base form (or noun) that set it; `verbs` lists every verb or noun found, in
    reading order, as base forms, and `readings` pairs each with the level it was read at.
    """

    level: int
    name: str
    verb: str
    evidence: str
    verbs: tuple[str, ...] = ()
    readings: tuple[tuple[str, int], ...] = ()

    @property
    def levels(self) -> tuple[int, ...]:
        """Every level the outcome asks for, ascending: "analyse and evaluate" gives (4, 5).

        Remember is left out beside a higher level: recalling is part of every higher process,
        so "identify and analyse risks" asks for analysis (4,), as annotators label it.
        """
        read = {lv for _, lv in self.readings} or {self.level}
        return tuple(sorted(read - {1} if len(read) > 1 else read))


@dataclass(frozen=True)
class LevelFlag:
    """An incoming outcome at a lower Bloom level than the local outcome it matches."""

    index: int  # position of the pair in the input
    incoming_outcome: str
    local_outcome: str
    incoming: BloomLevel
    local: BloomLevel

    @property
    def gap(self) -> int:
        return self.local.level - self.incoming.level

    @property
    def evidence(self) -> str:
        return (f"incoming '{self.incoming.verb}' ({self.incoming.level} {self.incoming.name}) is below "
                f"local '{self.local.verb}' ({self.local.level} {self.local.name})")


@dataclass(frozen=True)
class _Hit:
    base: str
    surface: str
    kind: str  # base | s | ed | ing | noun
    end: int  # token index after the hit: the context rules read from here to the clause end
    critically: bool


class BloomClassifier:
    """Verb index and rules compiled once for one set of reference data."""

    def __init__(self, reference: ReferenceData):
        self.levels: dict[str, tuple[int, ...]] = {}
        for verb, levels in reference.bloom_verbs.items():
            base = " ".join(_normalise_word(w) for w in _normalise_text(verb).split())
            self.levels[base] = tuple(sorted(set(self.levels.get(base, ())) | set(levels)))
        # first token -> [(rest of the phrase, base, kind)], longest phrase first
        index: dict[str, list[tuple[tuple[str, ...], str, str]]] = {}
        seen: set[tuple[str, ...]] = set()
        entries = []
        for base in self.levels:
            first, *rest = base.split()
            for form, kind in (_inflections(first) if base.isascii() else {first: "base"}).items():
                entries.append(((form, *rest), base, kind))
        entries.sort(key=lambda e: e[2] != "base")  # a base form wins over a colliding inflection
        for surface, base, kind in entries:
            if surface not in seen:
                seen.add(surface)
                index.setdefault(surface[0], []).append((surface[1:], base, kind))
        for options in index.values():
            options.sort(key=lambda o: -len(o[0]))
        self._index = index
        # Cached per classifier: a catalogue repeats the same outcomes across assessments.
        self.classify = lru_cache(maxsize=65536)(self._classify)

    # -- reading ------------------------------------------------------------------------

    def _classify(self, text: str) -> BloomLevel | None:
        toks = _tokens(text)
        hits = self._hits(toks)
        if not hits:
            return None
        graded = [(*self._level(h, toks), h) for h in hits]
        level, why, listed, best = max(graded, key=lambda g: g[0])  # first of the highest
        name = BLOOM_LEVELS[level]
        if len(graded) == 1:
            word = "verb" if best.kind != "noun" else "adjective" if best.base in _ADJECTIVES else "noun"
            evidence = f"{word} {why}{listed}"
        else:
            evidence = f"verbs {', '.join(g[1] for g in graded)}; highest: {name}"
        return BloomLevel(level, name, best.base, evidence, tuple(h.base for h in hits),
                          tuple((h.base, g[0]) for g, h in zip(graded, hits)))

    def _level(self, hit: _Hit, toks: list[str]) -> tuple[int, str, str]:
        """The level of one hit, why ("'describing' (describe) + 'how' → understand"), and its listed levels."""
        shown = f"'{hit.surface}'" + (f" ({hit.base})" if hit.surface != hit.base else "")
        if hit.kind == "noun":
            level = NOMINALS[hit.base]
            return level, f"{shown} → {BLOOM_LEVELS[level]}", ""
        levels = self.levels[hit.base]
        listed = f" (listed at {', '.join(BLOOM_LEVELS[lv] for lv in levels)})" if len(levels) > 1 else ""
        level, cue = levels[0], ""
        rule = _RULES.get(hit.base)
        if rule:
            level = rule[0]
            end = next((i for i in range(hit.end, len(toks)) if toks[i] in _CLAUSE_END), len(toks))
            context = " ".join(toks[hit.end:end])
            for pattern, cue_level in rule[1]:
                found = pattern.search(context)
                if found:
                    level, cue = cue_level, f" + '{found.group(0)}'"
                    break
        if hit.critically and level <= 2:
            return 5, f"{shown} after 'critically' → evaluate", listed
        return level, f"{shown}{cue} → {BLOOM_LEVELS[level]}", listed

    def _hits(self, toks: list[str]) -> list[_Hit]:
        hits: list[_Hit] = []
        slot: str | None = "start"
        wh = critically = False
        i = 0
        while i < len(toks):
            found = self._read_slot(toks, i, slot, wh, hits) if slot else None
            if found is None:
                critically = False
                slot, wh = self._next_slot(toks, i, wh)
                i += 1
                continue
            kind, start, end = found
            if kind == "ability":  # the verb after "ability to" / "skills in" decides
                slot = "ability"
            elif kind == "skip":  # an adverb: the slot carries on
                critically = critically or toks[i] == "critically"
            else:
                base = " ".join(toks[start:end]) if kind == "noun" else self._base_at(toks, start, end)
                if not (slot == "to" and self._purpose(toks, start, end, hits)):
                    hits.append(_Hit(base, " ".join(toks[start:end]), kind, end, critically))
                slot, wh, critically = None, False, False
            i = end
        return hits

    def _purpose(self, toks: list[str], start: int, end: int, hits: list[_Hit]) -> bool:
        """Whether the infinitive at start..end states the purpose of an earlier verb.

        After that verb's object, a single infinitive is its aim, not a further process: "use
        assessment data to improve teaching" is using (apply). A run of verbs there lists what
        is asked ("use skills to generate and evaluate ideas"), and so does a 'to' straight
        after the verb ("know how to use").
        """
        if not hits or not _object_between(toks[hits[-1].end:start - 1]):
            return False
        coordinated = end + 1 < len(toks) and toks[end] in ("and", "or", ",")
        return not (coordinated and self._match_verb(toks, end + 1, "coord", False, hits))

    def _base_at(self, toks: list[str], start: int, end: int) -> str:
        rest = tuple(toks[start + 1:end])
        return next(b for r, b, _ in self._index[toks[start]] if r == rest)

    def _read_slot(self, toks: list[str], i: int, slot: str, wh: bool, hits: list[_Hit]) -> tuple[str, int, int] | None:
        """What stands at a verb slot: (kind, start, end) of a verb, a nominal, an ability, an adverb."""
        tok = toks[i]
        # A bare process noun at a verb slot is a verb form ("analyses data") or a topic
        # ("Analysis of algorithms"); after an ability noun it is the skill ("skills in analysis").
        if slot not in ("coord", "comma") and not (tok in PROCESS_NOUNS and (tok in self._index or slot != "ability")):
            end = _match_phrase(_NOMINAL_INDEX, toks, i)
            if end:
                return ("noun", *_highest_nominal(toks, i, end))
            end = _match_phrase(_ABILITY_INDEX, toks, i)
            if end:
                return "ability", i, _after_ability(toks, end)
        if tok in _LIGHT_FORMS or tok in _DOING_FORMS or (tok in _ARTICLES and slot not in ("coord", "comma")):
            # "demonstrate a sound understanding of", "have the ability to", "An understanding of"
            found = self._noun_ahead(toks, i, slot, wh, hits)
            if found:
                return found
        verb = self._match_verb(toks, i, slot, wh, hits)
        if verb:
            return verb
        if slot in ("start", "ability") and _adjective(tok) and tok not in self._index:
            # An adjective before a nominal: "Critical analysis of", "skills in critical analysis";
            # "Numerical analysis" with nothing after it is a topic.
            found = self._noun_ahead(toks, i, slot, wh, hits)
            if found and found[0] == "noun" and (
                    toks[found[1]] not in PROCESS_NOUNS or slot == "ability" or toks[found[2]:found[2] + 1] == ["of"]):
                return found
        if tok in _TRANSPARENT or _adverb(tok):
            return "skip", i, i + 1
        return None

    def _noun_ahead(self, toks: list[str], i: int, slot: str, wh: bool, hits: list[_Hit]) -> tuple[str, int, int] | None:
        """A nominal or an ability noun a few words after a light verb, a verb of doing or an article.

        An ability noun with no cognitive verb after it gives way to a verb of showing
        ("demonstrate laboratory skills", "demonstrate the ability to work safely" are doing:
        apply); after another light verb it names no process ("develop skills"). A verb of
        doing gives way only to a nominalised process ("perform a statistical analysis").
        """
        for j in range(i + 1, min(i + 8, len(toks))):
            if toks[j] == "of" and toks[j - 1] in ("level", "degree", "depth"):  # "a high level of understanding"
                continue
            if toks[j] in _CLAUSE_END or toks[j] in ("of", "to", "in", "with", "for", "on"):
                break
            end = _match_phrase(_NOMINAL_INDEX, toks, j)
            if end:
                start, end = _highest_nominal(toks, j, end)
                if toks[i] in _DOING_FORMS and toks[start] not in PROCESS_NOUNS:
                    return None
                if toks[i] in _SHOWING_FORMS and toks[start] in _SHOWN_IN_USE:
                    return None  # "demonstrate knowledge of": showing it is using it (apply)
                return "noun", start, end
            end = _match_phrase(_ABILITY_INDEX, toks, j)
            if end and toks[i] in _DOING_FORMS:
                return None
            if end:
                after = _after_ability(toks, end)
                while after < len(toks) and (toks[after] in _TRANSPARENT | {"able", "to"} or _adverb(toks[after])):
                    after += 1  # "an ability to be able to articulate"
                if after < len(toks) and self._match_verb(toks, after, "ability", wh, hits):
                    return "ability", j, after
                if toks[i] in _SHOWING_FORMS:  # "demonstrate the ability to work safely": showing is doing
                    return None
                return "ability", j, after
        return None

    def _match_verb(self, toks: list[str], i: int, slot: str, wh: bool, hits: list[_Hit]) -> tuple[str, int, int] | None:
        """A verb that may stand at this slot: the longest phrase decides, then form and noun tests."""
        n = len(toks)
        for rest, base, kind in self._index.get(toks[i], ()):
            end = i + 1 + len(rest)
            if tuple(toks[i + 1:end]) != rest:
                continue
            nxt = toks[end] if end < n else None
            if not rest and nxt == "of":  # "use of", "design of": a noun
                return None
            prev = hits[-1] if hits else None
            if slot in ("start", "ability"):
                allowed = {"base", "s", "ing"}
            elif slot == "modal":
                allowed = {"base", "s"}
            elif slot == "to":
                allowed = {"base"}
            else:  # coord / comma
                allowed = {"base"} | ({prev.kind} if prev else set())
            if kind not in allowed:
                return None
            if slot in ("coord", "comma"):
                chained = prev is not None and all(
                    t in _COORDINATORS or t in _TRANSPARENT or t.endswith("ly") for t in toks[prev.end:i])
                if not chained:
                    strong = nxt in _OBJECT_STARTERS
                    if (wh or base in _NOUN_LIKE) and not strong:
                        return None
                    if nxt is None or nxt in _CLAUSE_END:  # "... principles of design and test."
                        return None
            return kind, i, end
        return None

    @staticmethod
    def _next_slot(toks: list[str], i: int, wh: bool) -> tuple[str | None, bool]:
        """The kind of verb slot that follows token i, and whether a wh-clause is open."""
        tok = toks[i]
        prev = toks[i - 1] if i else ""
        if tok in _CLAUSE_END:
            return "start", False
        if tok == ",":
            return "comma", wh
        if tok in _COORDINATORS:
            return "coord", wh
        if tok in ("để", "nhằm"):
            return "to", False
        if tok == "how" and prev in _KNOW_HOW:
            return None, False
        if (prev, tok) in _VI_OPENERS and (not wh or tok == "cách"):
            return "modal", False
        if tok in _WH:
            return None, True
        if wh:
            return None, True
        if (tok in _MODALS and prev not in _RELATIVES) or tok in _SUBJECTS:
            return "modal", False
        if tok == "to" and prev not in _PREPOSITIONAL_TO and "from" not in toks[max(0, i - 2):i]:  # "from X to Y"
            return "to", False
        return None, False


def _highest_nominal(toks: list[str], start: int, end: int) -> tuple[int, int]:
    """The highest nominal of a coordinated run: "knowledge and understanding of" reads understanding."""
    while end + 1 < len(toks) and toks[end] in ("and", "or", ","):
        after = _match_phrase(_NOMINAL_INDEX, toks, end + 1)
        if not after:
            break
        if NOMINALS[" ".join(toks[end + 1:after])] >= NOMINALS[" ".join(toks[start:end])]:
            start = end + 1
        end = after
    return start, end


def _object_between(gap: list[str]) -> bool:
    """Whether words other than 'how', adverbs and particles stand between a verb and a 'to'."""
    return any(t != "how" and t not in _TRANSPARENT and not _adverb(t) for t in gap)


def _adjective(tok: str) -> bool:
    """A word that can open a nominal outcome ("Critical analysis of", "Sound knowledge of")."""
    return tok in _NOMINAL_ADJECTIVES or (tok.endswith(("al", "ic")) and not tok.endswith("eal"))


def _adverb(tok: str) -> bool:
    return tok.endswith("ly") and len(tok) > 4


def _phrase_index(words: Iterable[str]) -> dict[str, list[tuple[str, ...]]]:
    index: dict[str, list[tuple[str, ...]]] = {}
    for w in words:
        first, *rest = w.split()
        index.setdefault(first, []).append(tuple(rest))
    for options in index.values():
        options.sort(key=lambda r: -len(r))
    return index


def _match_phrase(index: dict[str, list[tuple[str, ...]]], toks: list[str], i: int) -> int | None:
    """End index of the longest phrase of `index` starting at token i, or None."""
    for rest in index.get(toks[i], ()):
        if tuple(toks[i + 1:i + 1 + len(rest)]) == rest:
            return i + 1 + len(rest)
    return None


def _after_ability(toks: list[str], end: int) -> int:
    """Skip the 'to' / 'in' / 'at' after an ability noun: the next token is a verb slot."""
    return end + 1 if end < len(toks) and toks[end] in ("to", "in", "at") else end


_RULES = {verb: (default, tuple((re.compile(rf"(?<!\w)(?:{cue})(?!\w)"), lvl) for cue, lvl in cues))
          for verb, (default, cues) in CONTEXT_RULES.items()}
_NOMINAL_INDEX = _phrase_index(NOMINALS)
_ABILITY_INDEX = _phrase_index(ABILITIES)
_LIGHT_FORMS = {form for verb in LIGHT_VERBS for form in _inflections(verb)}
_DOING_FORMS = {form for verb in DOING_VERBS for form in _inflections(verb)}
_SHOWING_FORMS = {form for verb in ("demonstrate", "show", "display", "exhibit") for form in _inflections(verb)}
# Nominals a verb of showing turns into use: demonstrating knowledge is applying it.
_SHOWN_IN_USE = {"knowledge", "awareness", "familiarity", "appreciation"}
_CLASSIFIERS: dict[str, BloomClassifier] = {}


def classifier(reference: ReferenceData | None = None) -> BloomClassifier:
    """The classifier for a set of reference data, built once per data digest."""
    return built_once(_CLASSIFIERS, reference, BloomClassifier)


def classify(text: str, reference: ReferenceData | None = None) -> BloomLevel | None:
    """The revised-Bloom level of one learning outcome, or None when it names no verb."""
    return classifier(reference).classify(text)


def lower_level_flags(pairs: Iterable[tuple[str, str]], reference: ReferenceData | None = None) -> list[LevelFlag]:
    """Flag each (incoming, local) outcome pair whose incoming outcome sits at a lower level.

    A pair where either level is unknown is not flagged: an unknown level is missing
    information, not a lower level.
    """
    clf = classifier(reference)
    flags = []
    for index, (incoming, local) in enumerate(pairs):
        a, b = clf.classify(incoming), clf.classify(local)
        if a is not None and b is not None and a.level < b.level:
            flags.append(LevelFlag(index, incoming, local, a, b))
    return flags
