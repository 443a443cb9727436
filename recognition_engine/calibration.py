"""Turns alignment features into a probability that a credential is equivalent to a course.

Fitted on an institution's own past decisions (`recognise calibrate`) in two steps:

1. the weights are those of a conditional logit (McFadden's choice model; a listwise
   ranker): for each credential, the softmax over its candidate courses should put the
   mass on the course(s) decided equivalent. It learns how to *order* one credential's
   candidates, so a feature whose level differs between kinds of text (short skill names,
   long syllabi) does not buy weight by separating the kinds, as a pooled logistic
   regression lets it;
2. the probability is a logistic (Platt) scaling of that score on every decision, so a
   candidate's probability still reads as P(an officer judges it equivalent) and stays
   in the order of the ranking.

Whether a course is *clearly* the counterpart at all (abstention) is an absolute question
the order cannot answer (a conditional logit ignores what all candidates share), so it has
its own model: a plain logistic regression on the same features (the gate), fitted on the
rows given for it, with a threshold below which the engine abstains.

The fitted model is stored as JSON (coefficients, scaling, training data, metrics, date),
never as a pickle, so it can be read, diffed and reviewed.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from .errors import InputError, Problem
from .loaders import read_csv_rows
from .matching import DECIMALS, FEATURES

# How an officer's recorded decision reads as a label for "equivalent to this course".
# `alternative` and `conditional` mean "not (yet) equivalent to this course".
POSITIVE = {"full", "partial", "recognised", "recognized", "equivalent", "yes", "accepted", "1", "true"}
NEGATIVE = {"refused", "rejected", "alternative", "conditional", "not_equivalent", "no", "0", "false"}
DECISION_COLUMNS = ("credential", "course_id", "decision")
ABSTAIN_QUANTILE = 0.05
L2 = 3.0  # ridge on the standardised ranking weights, by grouped cross-validation (benchmarks/fit_ranker.py)
GATE_C = 1.0  # the gate's inverse ridge: scikit-learn's default, as the ranking model before the conditional logit


@dataclass(frozen=True)
class Decision:
    credential: str  # credential id, or the path of a credential file
    course_id: str
    equivalent: bool


@dataclass(frozen=True)
class Calibration:
    model_id: str
    features: list[str]
    mean: list[float]
    scale: list[float]
    coef: list[float]
    intercept: float
    trained_on: str
    trained: str  # ISO date
    n_positive: int
    n_negative: int
    metrics: dict[str, float] = field(default_factory=dict)
    # The gate: P(this course is a counterpart at all), a logistic regression on the same
    # standardised features. Below `abstain_below` for a course, it is not clearly what the
    # credential is about: without a clear course the engine abstains and asks for the purpose.
    gate_coef: list[float] = field(default_factory=list)
    gate_intercept: float = 0.0
    abstain_below: float = 0.0

    def _logistic(self, columns: dict[str, np.ndarray], coef: list[float], intercept: float) -> np.ndarray:
        x = np.column_stack([columns[f] for f in self.features]).astype(np.float64)
        z = ((x - self.mean) / self.scale) @ np.asarray(coef) + intercept
        return np.round(1.0 / (1.0 + np.exp(-z)), DECIMALS)

    def probability(self, columns: dict[str, np.ndarray]) -> np.ndarray:
        """P(equivalent) for each row of the given feature columns (the ranking's order), rounded to 4 decimals."""
        return self._logistic(columns, self.coef, self.intercept)

    def gate(self, columns: dict[str, np.ndarray]) -> np.ndarray:
        """P(this course is a counterpart at all), for abstention; compare with `abstain_below`."""
        return self._logistic(columns, self.gate_coef, self.gate_intercept)

    def contributions(self, row: dict[str, float]) -> dict[str, float]:
        """Each feature's term in the log-odds of one row, and the intercept as "baseline"
        (a match-weight waterfall: the terms add up to the logit of the probability)."""
        terms = {f: round((row[f] - m) / s * c, DECIMALS)
                 for f, m, s, c in zip(self.features, self.mean, self.scale, self.coef)}
        return {"baseline": round(self.intercept, DECIMALS), **terms}

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=2) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> "Calibration":
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        unknown = set(data.get("features", [])) - set(FEATURES)
        if unknown:
            raise ValueError(f"{path}: calibration uses unknown features {sorted(unknown)}")
        return cls(**data)


def read_decisions(path: Path) -> list[Decision]:
    """Read `credential,course_id,decision` rows; every bad row is reported."""
    name = Path(path).name
    problems, out = [], []
    for rownum, values in read_csv_rows(path, DECISION_COLUMNS):
        problems += [Problem(name, f"row {rownum}", c, "empty") for c, v in values.items() if not v]
        decision = values["decision"].lower()
        if decision and decision not in POSITIVE | NEGATIVE:
            known = ", ".join(sorted(POSITIVE | NEGATIVE))
            problems.append(Problem(name, f"row {rownum}", "decision", f"unknown decision {decision!r}; use one of {known}"))
        elif all(values.values()):
            out.append(Decision(values["credential"], values["course_id"], decision in POSITIVE))
    if not problems and len({d.equivalent for d in out}) < 2:
        problems.append(Problem(name, "", "decision", "need both positive and negative decisions to calibrate"))
    if problems:
        raise InputError(problems)
    return out


def conditional_logit(z: np.ndarray, y: np.ndarray, groups: np.ndarray, l2: float = L2) -> np.ndarray:
    """Weights maximising, over the groups with a positive and a negative row, the log of
    the softmax mass on the positives, minus a ridge penalty (z standardised)."""
    from scipy.optimize import minimize

    _, group = np.unique(groups, return_inverse=True)
    positives = np.bincount(group, weights=y)
    sizes = np.bincount(group)
    informative = ((positives > 0) & (positives < sizes))[group]
    if not informative.any():
        raise ValueError("no credential has both an equivalent and a non-equivalent course to learn an order from")
    order = np.argsort(group[informative], kind="stable")
    z, y, group = z[informative][order], y[informative][order].astype(np.float64), group[informative][order]
    starts = np.flatnonzero(np.r_[True, np.diff(group) != 0])
    index = np.cumsum(np.r_[True, np.diff(group) != 0]) - 1

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        s = z @ w
        e = np.exp(s - np.maximum.reduceat(s, starts)[index])
        total, mass = np.add.reduceat(e, starts), np.add.reduceat(e * y, starts)
        gradient = z.T @ (e / total[index] - e * y / mass[index]) + l2 * w
        return float(np.log(total).sum() - np.log(mass).sum() + 0.5 * l2 * w @ w), gradient

    return minimize(loss, np.zeros(z.shape[1]), jac=True, method="L-BFGS-B").x


def _fit_scaled(z: np.ndarray, y: np.ndarray, groups: np.ndarray, l2: float) -> tuple[np.ndarray, float]:
    """Ranking weights, then Platt scaling of their score: (coef, intercept) on z."""
    from sklearn.linear_model import LogisticRegression

    w = conditional_logit(z, y, groups, l2)
    platt = LogisticRegression().fit((z @ w)[:, None], y)
    return w * platt.coef_[0, 0], float(platt.intercept_[0])


def _fit_gate(z: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    from sklearn.linear_model import LogisticRegression

    gate = LogisticRegression(C=GATE_C).fit(z, y)
    return gate.coef_[0], float(gate.intercept_[0])


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def out_of_fold(z: np.ndarray, y: np.ndarray, groups: np.ndarray, gate_rows: np.ndarray, l2: float = L2) -> tuple[np.ndarray, np.ndarray]:
    """Out-of-fold (probability, gate) for every row, folds grouped by credential; the gate
    of a fold is fitted on its `gate_rows` only."""
    from sklearn.model_selection import GroupKFold

    probability, gate = np.zeros(len(y)), np.zeros(len(y))
    n_groups = len(set(groups.tolist()))
    for train, test in GroupKFold(n_splits=min(5, n_groups)).split(z, y, groups):
        if len(set(y[train].tolist())) < 2:
            continue
        coef, intercept = _fit_scaled(z[train], y[train], groups[train], l2)
        probability[test] = _sigmoid(z[test] @ coef + intercept)
        gated = train[gate_rows[train]]
        if len(set(y[gated].tolist())) == 2:
            gate_coef, gate_intercept = _fit_gate(z[gated], y[gated])
            gate[test] = _sigmoid(z[test] @ gate_coef + gate_intercept)
    return probability, gate


def fit(x: np.ndarray, y: np.ndarray, groups: np.ndarray, model_id: str, trained_on: str, today: dt.date,
        features: list[str] | None = None, l2: float = L2, gate_rows: np.ndarray | None = None) -> Calibration:
    """Fit the ranking weights, their probability scale and the gate (module docstring) —
    the gate on `gate_rows` only (default: every row); report cross-validated metrics with
    folds grouped by credential, so no credential is both trained on and scored."""
    from sklearn.metrics import brier_score_loss, log_loss, roc_auc_score

    gate_rows = np.ones(len(y), dtype=bool) if gate_rows is None else np.asarray(gate_rows, dtype=bool)
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    z = (x - mean) / scale
    metrics: dict[str, float] = {}
    abstain_below = 0.0
    n_groups = len(set(groups.tolist()))
    if n_groups >= 3:
        predicted, gated = out_of_fold(z, y, groups, gate_rows, l2)
        metrics = {
            "cv_roc_auc": round(float(roc_auc_score(y, predicted)), 4),
            "cv_brier": round(float(brier_score_loss(y, predicted)), 4),
            "cv_log_loss": round(float(log_loss(y, predicted, labels=[0, 1])), 4),
            "cv_folds": float(min(5, n_groups)),
        }
        # By default abstain below the gate value 95% of the equivalent pairs reached out of fold.
        abstain_below = round(float(np.quantile(gated[gate_rows & (y == 1)], ABSTAIN_QUANTILE)), DECIMALS)
    coef, intercept = _fit_scaled(z, y, groups, l2)
    gate_coef, gate_intercept = _fit_gate(z[gate_rows], y[gate_rows])
    return Calibration(
        model_id=model_id, features=list(features or FEATURES), mean=mean.round(6).tolist(), scale=scale.round(6).tolist(),
        coef=coef.round(6).tolist(), intercept=round(intercept, 6),
        trained_on=trained_on, trained=today.isoformat(), n_positive=int(y.sum()), n_negative=int(len(y) - y.sum()),
        metrics=metrics, gate_coef=gate_coef.round(6).tolist(), gate_intercept=round(gate_intercept, 6),
        abstain_below=abstain_below,
    )


def model_card(cal: Calibration) -> str:
    """A short model card in Markdown, rendered from the calibration's own data."""
    weights = "\n".join(f"| {f} | {c:+.3f} | {g:+.3f} | {m:.3f} | {s:.3f} |"
                        for f, c, g, m, s in zip(cal.features, cal.coef, cal.gate_coef, cal.mean, cal.scale))
    metrics = "\n".join(f"- {k}: {v:g}" for k, v in cal.metrics.items()) or "- too few credentials for cross-validation"
    return f"""# Model card: equivalence calibration for `{cal.model_id}`

- **What it does**: turns the alignment features of a (credential, course) pair into the
  probability that a recognition officer would judge the credential equivalent to the
  course (`full` or `partial` recognition). It ranks candidates; it does not decide.
- **Model**: on standardised features, weights of a conditional logit (the order of each
  credential's candidates, ridge {L2:g}), then a logistic (Platt) scale of that score
  (scikit-learn), trained {cal.trained}.
- **Training data**: {cal.trained_on}; {cal.n_positive} equivalent and {cal.n_negative} other (credential, course) pairs.
- **Abstention**: a second model, the gate (a logistic regression on the same features:
  P(this course is a counterpart at all)); below {cal.abstain_below:g} for every leading course,
  the engine says that no course is clearly what the credential is about and asks for the purpose.
- **Embedding model**: `{cal.model_id}`. Features depend on the embedding model: never use
  this calibration with another one.
- **Retrain** on your own decisions: `recognise calibrate --decisions decisions.csv --credentials DIR`.

## Metrics (cross-validated, folds grouped by credential)

{metrics}

## Features and weights

| feature | ranking weight (standardised, Platt-scaled) | gate weight | mean | scale |
|---|---|---|---|---|
{weights}

## Limits

The shipped calibrations are trained on development data (catalogues written by the
developers, public skill-equivalence and transfer decisions; see `trained_on`): their
probabilities describe that data, not any institution's practice.
Retrain on real decisions before relying on the probabilities themselves.
"""
