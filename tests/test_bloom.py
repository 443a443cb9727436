import csv
import dataclasses
from pathlib import Path

import pytest

from recognition_engine.bloom import BloomLevel, classify, lower_level_flags
from recognition_engine.reference import default_reference

LABELLED = Path(__file__).resolve().parent.parent / "benchmarks" / "data" / "bloom_labelled.csv"


def level(text: str) -> int | None:
    result = classify(text)
    return result.level if result else None


def test_single_verb_result_and_evidence():
    result = classify("Analyse the financial statements of a listed company")
    assert result == BloomLevel(4, "analyse", "analyse", "verb 'analyse' → analyse", ("analyse",), (("analyse", 4),))
    assert result.levels == (4,)


@pytest.mark.parametrize("text, expected", [
    ("Students will be able to analyse the causes of the 2008 financial crisis", 4),
    ("On successful completion of this module, the learner can design simple digital circuits", 6),
    ("By the end of the course, participants should be able to calculate drug dosages", 3),
    ("In small groups, students plan a short teaching session", 6),
    ("Using appropriate software, analyse survey data", 4),
    ("Upon completion, graduates will critically evaluate healthcare policies", 5),
    ("Sinh viên có khả năng phân tích dữ liệu", 4),
    ("Người học có thể đánh giá các giải pháp", 5),
])
def test_lead_ins_and_verbs_not_at_the_start(text, expected):
    assert level(text) == expected


@pytest.mark.parametrize("text, verb", [
    ("Analysing clinical data", "analyse"),
    ("The learner organises information into a report", "organise"),
    ("analyzes data", "analyse"),
    ("Characterize polymers", "characterise"),
    ("Designs simple control systems", "design"),
    ("Carrying out titrations", "carry out"),
    ("Make use of spreadsheets", "make use of"),
    ("Draw up a budget", "draw up"),
])
def test_inflections_spellings_and_phrasal_verbs(text, verb):
    assert classify(text).verb == verb


def test_several_verbs_take_the_highest_and_say_so():
    result = classify("Design and implement a relational database")
    assert (result.level, result.verb, result.verbs) == (6, "design", ("design", "implement"))
    assert result.evidence == "verbs 'design' → create, 'implement' → apply; highest: create"
    assert classify("Identify, analyse and solve engineering problems").verbs == ("identify", "analyse", "solve")
    assert level("Explain the theory of plate tectonics and apply it to earthquakes") == 3
    assert level("Analysing and describing clinical data") == 4


@pytest.mark.parametrize("text, expected", [
    ("Compare the political systems of two countries", 4),  # convention: compare = analyse (not A&K 2.6)
    ("Compare and contrast two theories of learning", 5),  # one phrase, read as evaluate
    ("Compare biases in two newspapers' reporting", 4),
    ("Distinguish relevant from irrelevant information in a case history", 4),
    ("Distinguish between mitosis and meiosis", 4),  # A&K 4.1 differentiating = distinguishing
    ("Identify the assumptions underlying an argument", 4),
    ("Test a hypothesis using a chi-square test", 3),
    ("Test the validity of an argument", 5),
    ("Construct a histogram from a frequency table", 3),
    ("Construct a coherent argument supported by evidence", 6),
    ("Construct a scale model of a timber bridge", 6),  # A&K 6.3 producing = constructing
    ("Select appropriate statistical tests for a research design", 4),
    ("Select the most suitable statistical test and justify it", 5),
    ("Choose the most suitable treatment option", 5),
    ("Review the literature on language development", 4),
    ("Review the quality of a published study", 5),
    ("Critically review the literature on language development", 4),  # 'critically' lifts only 1-2
    ("Critically discuss the role of the media", 5),
    ("Critically analyse debates on immigration policy", 4),
])
def test_verbs_listed_at_several_levels_follow_their_context(text, expected):
    assert level(text) == expected


def test_context_rule_is_named_in_the_evidence():
    result = classify("Trình bày được vai trò của ngân hàng trung ương")
    assert result.evidence == "verb 'trình bày' + 'vai trò' → understand (listed at remember, understand)"
    assert classify("Describe the structure of DNA").evidence == "verb 'describe' → understand"
    assert "after 'critically'" in classify("Critically discuss the role of the media").evidence


@pytest.mark.parametrize("text, expected", [
    ("Demonstrate an understanding of the principles of contract law", 2),
    ("Demonstrate knowledge of the main safety regulations", 3),  # showing knowledge is using it
    ("Demonstrate knowledge and understanding of ecology", 2),  # the highest nominal of the run
    ("Have a sound understanding of the theory of evolution", 2),
    ("Be familiar with the main theories of motivation", 2),
    ("Knowledge of EU competition law", 1),
    ("Demonstrate the ability to write clear technical reports", 6),
    ("Develop skills in designing web pages", 6),
    ("Demonstrate correct manual handling techniques", 3),
    ("Có kiến thức về luật lao động Việt Nam", 1),
])
def test_nominal_outcomes_and_light_verbs(text, expected):
    assert level(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("Apply the design process", ("apply",)),
    ("Describe the principles of design and test", ("describe",)),
    ("Explain how statistical software can be used to analyse survey data", ("explain",)),
    ("Describe how to configure a firewall", ("describe",)),
    ("Know how to use a microscope", ("know", "use")),  # 'how' is no object: not a purpose clause
])
def test_nouns_and_wh_clauses_are_not_verbs(text, expected):
    assert classify(text).verbs == expected


@pytest.mark.parametrize("text, expected", [
    ("Trình bày được các khái niệm cơ bản về kế toán", 1),
    ("Trình bày được vai trò của ngân hàng trung ương", 2),
    ("Giải thích được nguyên lý hoạt động của động cơ", 2),
    ("Vận dụng kiến thức pháp luật để giải quyết tình huống", 3),
    ("Sinh viên có khả năng phân tích và thiết kế hệ thống thông tin", 6),
    ("Minh hoạ các khái niệm bằng ví dụ", 2),  # old-style tone mark: hoạ = họa
    ("Tối ưu hoá hiệu năng hệ thống", 6),
])
def test_vietnamese(text, expected):
    assert level(text) == expected


@pytest.mark.parametrize("text", [
    "", "Introduction to Roman law", "Teamwork and leadership", "Design of steel structures",
    "Use of force in international law", "Work effectively in a team", "Lịch sử kiến trúc Việt Nam",
    "Có khả năng làm việc nhóm hiệu quả", "Analysis of algorithms", "Numerical analysis",
])
def test_no_verb_gives_none(text):
    assert classify(text) is None


def test_every_level_read_with_its_verb():
    result = classify("Analyse and evaluate the impact of tax policy on small firms")
    assert (result.level, result.levels, result.readings) == (5, (4, 5), (("analyse", 4), ("evaluate", 5)))
    result = classify("Identify, analyse and solve engineering problems")
    assert result.readings == (("identify", 1), ("analyse", 4), ("solve", 3))
    # remember beside a higher level is part of it: not a level of its own
    assert result.levels == (3, 4) and result.level == 4 and result.verb == "analyse"
    assert classify("Identify common hazards").levels == (1,)
    assert classify("Design a database").levels == (6,)


@pytest.mark.parametrize("text, readings", [
    # nominal outcomes without a verb, as catalogues write them
    ("An understanding of how structural factors shape everyday life", (("understanding", 2),)),
    ("A knowledge of the main events in the modern history of Africa", (("knowledge", 1),)),
    ("Have an advanced practical and critical understanding of drawing", (("understanding", 2),)),
    ("Demonstrate a broad, critical and practical understanding of corporations law", (("understanding", 2),)),
    ("Demonstrate a high level of understanding of the key theories", (("understanding", 2),)),
    ("Become familiar with the main forms of treatment", (("familiar", 2),)),
    # an ability noun with no verb after it: the light verb itself is read
    ("Demonstrate laboratory skills in cell culture", (("demonstrate", 3),)),
    ("Demonstrate competence in the use of language reference material", (("demonstrate", 3),)),
    # ...and with a verb after it, the verb decides as before
    ("An ability to be able to articulate independent views", (("articulate", 2),)),
    ("Demonstrate the ability to design experiments", (("design", 6),)),
])
def test_nominal_and_ability_constructions(text, readings):
    assert classify(text).readings == readings


def test_ability_to_a_non_cognitive_verb():
    # demonstrating a practical ability is doing it (apply); the verb of showing is read
    assert classify("Demonstrate the ability to work safely in a laboratory").readings == (("demonstrate", 3),)
    assert classify("Develop the ability to work safely") is None  # developing names no process
    assert classify("Develop laboratory skills") is None  # only a verb of showing stands for the skill


@pytest.mark.parametrize("text, readings", [
    # a nominalised process is read as its verb, after a verb of doing or as a nominal outcome
    ("Perform a statistical analysis of survey data", (("analysis", 4),)),
    ("Conduct a critical evaluation of a public health programme", (("evaluation", 5),)),
    ("Critical analysis of contemporary policy debates", (("analysis", 4),)),
    ("Skills in the interpretation of archaeological evidence", (("interpretation", 5),)),
    ("Perform clinical skills safely", (("perform", 3),)),  # no process noun: the verb stays
    ("Represent knowledge in first-order logic", (("represent", 2),)),  # a verb, not an adjective, before it
    ("Analyses data from field studies", (("analyse", 4),)),  # a verb form at a verb slot is the verb
    # a purpose infinitive after an object is the aim, not a further process
    ("Use survey data to improve service delivery", (("use", 3),)),
    # ...but a run of processes after 'to' lists what is asked ("to generate and evaluate")
    ("Use creative skills to generate and evaluate ideas", (("use", 3), ("generate", 6), ("evaluate", 5))),
    ("Apply Kirchhoff's laws to analyse DC circuits", (("apply", 3),)),
    ("Learn to analyse financial statements", (("analyse", 4),)),  # no object before "to": read
    # a modal after a relative pronoun opens no outcome verb
    ("Identify parameters that can improve the performance of an engine", (("identify", 1),)),
])
def test_nominalised_processes_and_purpose_clauses(text, readings):
    assert classify(text).readings == readings


@pytest.mark.parametrize("text, expected", [
    # verb conventions of real-outcome annotators (Monash), each also in a published Bloom verb list
    ("Communicate findings to a non-specialist audience", 6),
    ("Present a case analysis to a panel", 6),
    ("Interpret the results of a liver function test", 5),
    ("Summarise the key provisions of a statute", 5),
    ("Reflect on feedback from a clinical placement", 4),
    ("Relate management theory to practice", 3),
    ("Integrate data from several sources into a dashboard", 6),
])
def test_verb_conventions(text, expected):
    assert level(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("Articulate how bacteria respond to changes in their environment", 2),
    ("Contextualise contemporary art within its historical setting", 2),
    ("Discern patterns in qualitative interview data", 4),
    ("Debate the ethics of genetic testing", 5),
    ("Collaborate with peers on a software project", 3),
    ("Parse data in the required format", 3),
    ("Synthetise techniques of Fourier analysis", 6),
    ("Describe the structure of DNA", 2),  # describing in one's own words: understand
    ("Describe how the kidney regulates blood pressure", 2),
])
def test_verbs_added_and_describe(text, expected):
    assert level(text) == expected


def test_lower_level_flags():
    pairs = [
        ("List the stages of the project life cycle", "Plan a software project"),  # 1 < 6
        ("Design a database", "Implement a database"),  # 6 > 3: not flagged
        ("Explain sorting", "Explain sorting algorithms"),  # equal
        ("Database systems", "Design a database"),  # incoming level unknown: not flagged
        ("Liệt kê các loại chi phí", "Phân tích chi phí sản xuất"),  # 1 < 4
    ]
    flags = lower_level_flags(pairs)
    assert [f.index for f in flags] == [0, 4]
    first = flags[0]
    assert (first.incoming.level, first.incoming.verb, first.local.level, first.local.verb, first.gap) == (
        1, "list", 6, "plan", 5)
    assert first.evidence == "incoming 'list' (1 remember) is below local 'plan' (6 create)"


def test_reference_data_decides_the_verbs():
    reference = dataclasses.replace(default_reference(), bloom_verbs={"frobnicate": (5,)}, digest="test-verbs")
    assert classify("Frobnicate the widget", reference).level == 5
    assert classify("Analyse the widget", reference) is None
    assert classify("Analyse the widget").level == 4


def _accuracy(rows):
    right = 0
    for row in rows:
        result = classify(row["outcome"])
        right += (result.level if result else None) == (int(row["level"]) if row["level"] else None)
    return right / len(rows)


def test_labelled_set_accuracy_floor():
    with LABELLED.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) >= 500
    # Measured (benchmarks/bloom_accuracy.py): 0.929 exact on all 535 rows; 0.848 on the 66
    # rows written after the earlier rules were fixed. 41 older rows were relabelled when the
    # verb conventions of issue 11 item 8 were adopted (their source says so); the 'describe'
    # rows keep the older doctrine. Held out (written before the reader was run on them, no
    # rule revised on them): batch 1 (112 rows, written by the rules' author to the
    # conventions) 1.000, a check of the constructions; batch 2 (100 realistic catalogue
    # outcomes) 0.840, the nearest to an estimate. Floors sit a little below.
    assert _accuracy(rows) >= 0.91
    assert _accuracy([r for r in rows if "after the classifier rules" in r["source"]]) >= 0.80
    assert _accuracy([r for r in rows if r["source"].startswith("held out:")]) >= 0.95
    assert _accuracy([r for r in rows if r["source"].startswith("held out (batch 2)")]) >= 0.80
