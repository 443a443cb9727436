"""Synthetic but realistic catalogues and credentials for benchmarks.

Learning outcomes are made by combining real ESCO skill labels ("apply conflict
management") and knowledge labels ("demography") with the outcome templates course guides
use ("Apply X to Y", "Explain how X ..."). Everything is deterministic from a seed.

This service uses the ESCO classification of the European Commission.
(ESCO labels are read from `<shared data>/esco/esco_skills_laiser.csv`; see the README there.)

Shape of a catalogue of N courses: each course has a topic (one or two ESCO knowledge
labels), a title, a one-sentence description, an ECTS value and 4-8 learning outcomes
(about one in six marked non-essential). Nearly all outcome texts are unique; about 3 %
are generic outcomes shared between courses ("Communicate ... in writing"), as in real
catalogues, so the cache's de-duplication is exercised too.

Credentials have 3-10 outcomes. About half are written about the topic of an existing
course, with different templates and skills (a plausible near match); the rest are
random. `fresh_credentials` guarantees that no outcome text repeats one seen before, so
the embedding cache cannot hide the cost of encoding a credential.

    python benchmarks/synthetic.py 100        # print a sample
"""

from __future__ import annotations

import csv
import os
import random
import sys
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from recognition_engine import Catalogue, Course, MicroCredential  # noqa: E402

ESCO_ATTRIBUTION = "This service uses the ESCO classification of the European Commission"


def shared_data_dir() -> Path:
    """`<repo>/../shared/data`, or RECOGNITION_SHARED_DATA."""
    return Path(os.environ.get("RECOGNITION_SHARED_DATA", ROOT.parent / "shared" / "data"))


_STOP = frozenset("a an and or of in on for to the with by from at as its their your other new use using "
                  "related work working".split())


def _words(label: str) -> set[str]:
    return {w for w in label.lower().replace(",", " ").replace("-", " ").split() if len(w) > 2 and w not in _STOP}


@dataclass(frozen=True)
class Vocabulary:
    skills: tuple[str, ...]  # verb phrases: "apply conflict management"
    knowledge: tuple[str, ...]  # noun phrases: "demography"

    @cached_property
    def _skills_by_word(self) -> dict[str, tuple[str, ...]]:
        index: dict[str, list[str]] = {}
        for skill in self.skills:
            for word in _words(" ".join(skill.split()[1:])):  # skip the verb
                index.setdefault(word, []).append(skill)
        return {w: tuple(s) for w, s in index.items()}

    def related_skills(self, topic: tuple[str, ...]) -> tuple[str, ...]:
        """Skills sharing a content word with the topic ("coffee characteristics" ->
        "grind coffee beans"), so a course's outcomes hang together."""
        found: dict[str, None] = {}
        for label in topic:
            for word in sorted(_words(label)):
                found.update(dict.fromkeys(self._skills_by_word.get(word, ())))
        return tuple(found)


@lru_cache(maxsize=4)
def load_vocabulary(path: Path | None = None) -> Vocabulary:
    path = path or shared_data_dir() / "esco" / "esco_skills_laiser.csv"
    if not path.exists():
        raise FileNotFoundError(f"ESCO labels not found at {path}; set RECOGNITION_SHARED_DATA to the shared data folder")
    skills: dict[str, None] = {}
    knowledge: dict[str, None] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            label = " ".join((row.get("preferredLabel") or "").split())
            if not label or len(label.split()) > 9:  # drop the few very long labels
                continue
            kind = (row.get("skillType") or "").strip()
            if kind == "knowledge":
                knowledge.setdefault(label, None)
            elif kind == "skill/competence":
                skills.setdefault(label, None)
    if not skills or not knowledge:
        raise ValueError(f"{path}: expected skill/competence and knowledge rows")
    return Vocabulary(tuple(skills), tuple(knowledge))


# {S}: a skill (verb phrase, lower case); {K}, {K2}: knowledge labels (noun phrases).
OUTCOME_TEMPLATES = (
    "Apply {K} to {S}",
    "Apply principles of {K} in order to {S}",
    "Explain how {K} supports the ability to {S}",
    "Explain the main concepts of {K} and their relation to {K2}",
    "Describe the role of {K} in professional practice",
    "Analyse problems in {K} and {S} accordingly",
    "Critically evaluate methods of {K} used to {S}",
    "Demonstrate the ability to {S} in a professional setting",
    "{S_cap} independently, drawing on knowledge of {K}",
    "{S_cap} in line with current standards of {K}",
    "Design a plan to {S}, taking account of {K}",
    "Compare approaches to {K} and {K2}",
    "Use knowledge of {K} to {S} under supervision",
    "Identify the main risks in {K} and {S} to reduce them",
    "Interpret data on {K} in order to {S}",
    "Plan and carry out work to {S}, applying {K}",
    "Justify decisions taken to {S} with reference to {K}",
    "Summarise recent developments in {K}",
)
# Credentials are phrased differently from catalogues (another issuer, another style).
CREDENTIAL_TEMPLATES = (
    "Can {S} using {K}",
    "Is able to {S} with a working knowledge of {K}",
    "Understands {K} and can {S}",
    "Knows the fundamentals of {K}",
    "Has practised how to {S} in a real project on {K}",
    "Applies {K} when asked to {S}",
    "Explains key ideas of {K} and {K2}",
    "Is able to {S} safely and effectively",
    "Evaluates options in {K} to {S}",
)
GENERIC_OUTCOMES = (
    "Communicate results clearly in writing and orally",
    "Work effectively in a team",
    "Reflect on their own learning and professional development",
    "Search, select and critically assess relevant literature",
    "Act in accordance with professional ethics",
    "Present a project to a non-specialist audience",
    "Manage their time and meet deadlines",
    "Use digital tools to organise and share information",
    "Apply basic research methods",
    "Write a structured technical report",
)
TITLE_TEMPLATES = (
    "Introduction to {K}",
    "Foundations of {K}",
    "{K_cap}",
    "Advanced {K}",
    "{K_cap} and {K2}",
    "{K_cap} in practice",
    "Applied {K}",
    "Topics in {K}",
)
DESCRIPTION_TEMPLATES = (
    "This course covers {K} and {K2}, with practical work in which students {S}.",
    "An introduction to {K} for students who need to {S}.",
    "Students study {K} and learn to {S} through case studies and projects.",
    "The course develops knowledge of {K} and the skills needed to {S}.",
)
ECTS = (2.5, 3.0, 4.0, 5.0, 5.0, 6.0, 7.5, 10.0)
GENERIC_SHARE = 0.03
OPTIONAL_SHARE = 0.16


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _fill(template: str, rng: random.Random, vocab: Vocabulary, topic: tuple[str, ...],
          related: tuple[str, ...] = ()) -> str:
    """Fill a template: knowledge from the topic and skills related to it, most of the time."""
    k = rng.choice(topic) if topic and rng.random() < 0.75 else rng.choice(vocab.knowledge)
    k2 = rng.choice(vocab.knowledge)
    while k2 == k:
        k2 = rng.choice(vocab.knowledge)
    s = rng.choice(related) if related and rng.random() < 0.6 else rng.choice(vocab.skills)
    return template.format(S=s, S_cap=_cap(s), K=k, K_cap=_cap(k), K2=k2)


def make_course(i: int, rng: random.Random, vocab: Vocabulary) -> Course:
    topic = tuple(rng.sample(vocab.knowledge, rng.choice((1, 2, 2, 3))))
    related = vocab.related_skills(topic)
    k2 = rng.choice(vocab.knowledge)
    title_vars = dict(K=topic[0], K_cap=_cap(topic[0]), K2=topic[1] if len(topic) > 1 else k2)
    title = rng.choice(TITLE_TEMPLATES).format(**title_vars)
    description = rng.choice(DESCRIPTION_TEMPLATES).format(
        K=topic[0], K2=topic[-1] if len(topic) > 1 else k2, S=rng.choice(related or vocab.skills)
    )
    outcomes = []
    seen: set[str] = set()
    target = rng.randint(4, 8)
    while len(outcomes) < target:
        if rng.random() < GENERIC_SHARE:
            text = rng.choice(GENERIC_OUTCOMES)
        else:
            text = _fill(rng.choice(OUTCOME_TEMPLATES), rng, vocab, topic, related)
        if text in seen:
            continue
        seen.add(text)
        outcomes.append({"text": text, "essential": rng.random() >= OPTIONAL_SHARE})
    return Course(
        id=f"C{i:05d}", title=title, description=description, ects=rng.choice(ECTS),
        level=rng.choice((5, 6, 6, 6, 7, 7)), learning_outcomes=outcomes,
    )


def make_catalogue(n_courses: int, seed: int = 0, vocab: Vocabulary | None = None) -> Catalogue:
    """A catalogue of `n_courses` courses, the same for the same (n_courses, seed)."""
    vocab = vocab or load_vocabulary()
    rng = random.Random(f"catalogue-{n_courses}-{seed}")
    return Catalogue(courses=[make_course(i, rng, vocab) for i in range(n_courses)])


def _credential(j: int, rng: random.Random, vocab: Vocabulary, catalogue: Catalogue | None, avoid: set[str]) -> MicroCredential:
    if catalogue is not None and rng.random() < 0.5:
        course = rng.choice(catalogue.courses)  # a credential close to an existing course
        text = " ".join([course.title, *(lo.text for lo in course.learning_outcomes)])
        topic = tuple(sorted((k for k in vocab.knowledge if k in text), key=len, reverse=True)[:2])
        topic = topic or (rng.choice(vocab.knowledge),)
    else:
        topic = tuple(rng.sample(vocab.knowledge, 2))
    title = f"Micro-credential in {_cap(topic[0])}"
    related = vocab.related_skills(topic)
    outcomes: list[str] = []
    target = rng.randint(3, 10)
    while len(outcomes) < target:
        text = _fill(rng.choice(CREDENTIAL_TEMPLATES), rng, vocab, topic, related)
        if text in avoid:
            continue
        avoid.add(text)
        outcomes.append(text)
    return MicroCredential(
        id=f"MC{j:05d}", title=title, country="NL", awarding_body="Synthetic University",
        learning_outcomes=outcomes, level=rng.choice((5, 6, 7)), language="en",
    )


def fresh_credentials(n: int, seed: int = 0, catalogue: Catalogue | None = None,
                      vocab: Vocabulary | None = None) -> Iterator[MicroCredential]:
    """`n` credentials whose outcome texts are all distinct from each other and from the
    catalogue's outcomes, so each is really encoded when ranked."""
    vocab = vocab or load_vocabulary()
    rng = random.Random(f"credentials-{seed}")
    avoid: set[str] = set()
    if catalogue is not None:
        avoid.update(lo.text for c in catalogue.courses for lo in c.learning_outcomes)
    for j in range(n):
        yield _credential(j, rng, vocab, catalogue, avoid)


def catalogue_stats(catalogue: Catalogue) -> dict[str, float]:
    texts = [lo.text for c in catalogue.courses for lo in c.learning_outcomes]
    return {
        "courses": len(catalogue.courses),
        "outcomes": len(texts),
        "unique_outcomes": len(set(texts)),
        "outcomes_per_course": len(texts) / len(catalogue.courses),
    }


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    cat = make_catalogue(n)
    print(ESCO_ATTRIBUTION)
    print(catalogue_stats(cat))
    for course in cat.courses[:3]:
        print(f"\n{course.id} {course.title} ({course.ects} ECTS)\n  {course.description}")
        for lo in course.learning_outcomes:
            print(f"  - {lo.text}{'' if lo.essential else '  (optional)'}")
    for cred in fresh_credentials(3, catalogue=cat):
        print(f"\n{cred.id} {cred.title}")
        for lo in cred.learning_outcomes:
            print(f"  - {lo.text}")
