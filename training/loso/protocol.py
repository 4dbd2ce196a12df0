"""Leave-one-source-out (LOSO) evaluation of the safety head and its baselines.

For every source in the data, a model is trained on all *other* trainable sources and scored on the
held-out one, so each row is judged by a model that never saw its source. That measures what a random
split cannot: whether the head learned "harmful or not" rather than "which benchmark is this from".

- The head (:func:`training.head.train.train_head`) trains on frozen-LM features of one layer with
  source-balanced class weights, picks its epoch on a hash-split validation slice of the *training*
  sources, and gets its softmax temperature and its refuse threshold (:mod:`training.head.thresholds`) fitted
  there; the held-out source is touched once.
- Eval-only sources (non-commercial licences, :mod:`training.datasets.licences`) are never trained on in
  any fold.
- A source listed in ``category_folds`` (the enterprise seed set, today the only ESCALATE source) is held
  out in ``CATEGORY_GROUPS`` groups of its categories instead of as a whole, so ESCALATE recall is
  measured on unseen *categories*; its rows are reported under the source's name.
- The keyword filter and the MiniLM + logistic-regression probe go through the same folds and policy.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace

import torch
from torch import nn

from model.head import SafetyHead
from model.labels import Decision
from model.policy import PolicyConfig
from training.datasets.licences import EVAL_ONLY_SOURCES
from training.datasets.rows import SafetyRow, split_of
from training.eval.baselines import as_dicts, keyword_probs, logistic_regression
from training.head.thresholds import DEFAULT_MAX_BENIGN_REFUSED, fit_refuse_threshold
from training.head.train import HeadTrainConfig, fit_temperature, row_weights, train_head

CATEGORY_GROUPS = 3
Probs = list[dict[Decision, float]]


class LosoError(ValueError):
    """The data or the command line cannot give a leave-one-source-out evaluation."""


@dataclass(frozen=True)
class Fold:
    """One held-out group: train on ``train``, pick the epoch / temperature on ``val`` (both from the other,
    trainable groups), score once on ``test`` (every row of the held-out group)."""

    group: str
    train: tuple[int, ...]
    val: tuple[int, ...]
    test: tuple[int, ...]


@dataclass(frozen=True)
class LosoConfig:
    head: HeadTrainConfig = field(default_factory=HeadTrainConfig)
    eval_only: frozenset[str] = EVAL_ONLY_SOURCES
    category_folds: frozenset[str] = frozenset({"enterprise_seed"})
    max_benign_refused: float = DEFAULT_MAX_BENIGN_REFUSED  # refuse-threshold calibration on val


@dataclass
class FoldPolicies:
    """The policy each row is decided under when every fold fits its own refuse threshold (a collector
    filled while the folds run)."""

    base: PolicyConfig
    by_row: dict[int, PolicyConfig] = field(default_factory=dict)
    refuse_by_fold: dict[str, float] = field(default_factory=dict)

    def record(self, fold: Fold, refuse: float) -> None:
        policy = self.base.with_thresholds(allow=None, refuse=refuse)
        self.refuse_by_fold[fold.group] = refuse
        self.by_row.update({i: policy for i in fold.test})

    def for_rows(self, indices: Iterable[int]) -> list[PolicyConfig]:
        """The policy of each row index given, in that order."""
        return [self.by_row.get(i, self.base) for i in indices]


def hold_out_group(row: SafetyRow, category_folds: Iterable[str]) -> str:
    """The unit a row is held out with: its source, or source#k for a source split by category."""
    if row.source not in set(category_folds):
        return row.source
    k = int(hashlib.sha256(row.category.encode()).hexdigest()[:8], 16) % CATEGORY_GROUPS
    return f"{row.source}#{k}"


def make_folds(rows: Sequence[SafetyRow], config: LosoConfig) -> list[Fold]:
    """One fold per hold-out group, in sorted order; eval-only sources never train or validate.

    Validation rows are the training groups' hash-split ``val`` rows; with so little data that there are
    none, the training rows themselves (only tiny test data gets there)."""
    groups = [hold_out_group(r, config.category_folds) for r in rows]
    folds = []
    for group in sorted(set(groups)):
        others = [i for i, r in enumerate(rows) if groups[i] != group and r.source not in config.eval_only]
        train = tuple(i for i in others if split_of(rows[i]) != "val")
        val = tuple(i for i in others if split_of(rows[i]) == "val")
        if not train:
            raise LosoError(
                f"holding out {group} leaves no trainable rows (eval-only: {sorted(config.eval_only)})"
            )
        test = tuple(i for i, g in enumerate(groups) if g == group)
        folds.append(Fold(group=group, train=train, val=val or train, test=test))
    return folds


FitPredict = Callable[[Fold], Probs]


def cross_predict(
    rows: Sequence[SafetyRow],
    folds: Iterable[Fold],
    fit_predict: FitPredict,
    scored: Sequence[int] | None = None,
) -> Probs:
    """Probabilities for every row (or for the ``scored`` row indices, in that order: the test rows of a
    subset of the folds), each from the fold that held its group out."""
    out: list[dict[Decision, float] | None] = [None] * len(rows)
    for fold in folds:
        for i, probs in zip(fold.test, fit_predict(fold), strict=True):
            out[i] = probs
    wanted = range(len(rows)) if scored is None else scored
    missing = [i for i in wanted if out[i] is None]
    if missing:
        raise ValueError(f"{len(missing)} rows are in no fold")
    return [p for p in (out[i] for i in wanted) if p is not None]


def select_folds(folds: Sequence[Fold], names: Sequence[str]) -> list[Fold]:
    """The folds holding out the named sources (a source split by category: all its groups, or one
    ``source#k``); an unknown name is an error that lists the known ones."""
    known = {f.group for f in folds} | {f.group.split("#")[0] for f in folds}
    unknown = sorted(set(names) - known)
    if unknown:
        raise LosoError(f"no fold holds out {unknown}; the folds are: {', '.join(sorted(known))}")
    return [f for f in folds if f.group in names or f.group.split("#")[0] in names]


def head_method(
    x: torch.Tensor,
    rows: Sequence[SafetyRow],
    layer: int,
    policy: PolicyConfig,
    config: LosoConfig,
    policies: FoldPolicies | None = None,
) -> FitPredict:
    """SafetyHeadB on frozen features ``x`` (n, hidden) of ``layer``; with ``policies``, each fold's refuse
    threshold is fitted on its validation rows and recorded there."""

    def fit_predict(fold: Fold) -> Probs:
        train_rows, val_rows = [rows[i] for i in fold.train], [rows[i] for i in fold.val]
        head, _ = train_head(
            x[list(fold.train)],
            train_rows,
            layer,
            config.head,
            x_val=x[list(fold.val)],
            val_rows=val_rows,
            policy=policy,
        )
        temperature = fit_temperature(head, x[list(fold.val)], val_rows)
        head.config = replace(head.config, temperature=temperature)
        with torch.no_grad():
            if policies is not None:
                val_probs = as_dicts(head.probs(x[list(fold.val)]))
                refuse = fit_refuse_threshold(
                    val_probs, val_rows, policy, max_benign_refused=config.max_benign_refused
                )
                policies.record(fold, refuse)
            return as_dicts(head.probs(x[list(fold.test)]))

    return fit_predict


def fit_shippable(
    x: torch.Tensor, rows: Sequence[SafetyRow], layer: int, policy: PolicyConfig, config: LosoConfig
) -> tuple[SafetyHead, float]:
    """The recipe trained once on every trainable row (the LOSO figures describe it): epoch, temperature
    and refuse threshold on the hash-split validation rows; eval-only sources are never used."""
    usable = [i for i, r in enumerate(rows) if r.source not in config.eval_only]
    train = [i for i in usable if split_of(rows[i]) != "val"]
    val = [i for i in usable if split_of(rows[i]) == "val"] or train
    val_rows = [rows[i] for i in val]
    head, _ = train_head(
        x[train], [rows[i] for i in train], layer, config.head, x_val=x[val], val_rows=val_rows, policy=policy
    )
    head.config = replace(head.config, temperature=fit_temperature(head, x[val], val_rows))
    with torch.no_grad():
        val_probs = as_dicts(head.probs(x[val]))
    refuse = fit_refuse_threshold(val_probs, val_rows, policy, max_benign_refused=config.max_benign_refused)
    return head, refuse


def embedding_lr_method(emb: torch.Tensor, rows: Sequence[SafetyRow]) -> FitPredict:
    """Logistic regression on sentence embeddings with the head's row weights; temperature fitted on val."""
    y = torch.tensor([r.label_index for r in rows])

    def fit_predict(fold: Fold) -> Probs:
        train = list(fold.train)
        clf = logistic_regression(emb[train], y[train], sample_weight=row_weights([rows[i] for i in train]))
        with torch.no_grad():
            t = _temperature(clf(emb[list(fold.val)]), y[list(fold.val)])
            return as_dicts(torch.softmax(clf(emb[list(fold.test)]) / t, dim=-1))

    return fit_predict


def keyword_method(rows: Sequence[SafetyRow], policy: PolicyConfig) -> FitPredict:
    """The policy's regex categories: nothing is trained, so every fold gives the same answer."""
    return lambda fold: keyword_probs([rows[i] for i in fold.test], policy)


def _temperature(logits: torch.Tensor, y: torch.Tensor) -> float:
    grid = torch.exp(torch.linspace(math.log(0.25), math.log(8.0), 64))
    nll = [float(nn.functional.cross_entropy(logits / t, y)) for t in grid]
    return float(grid[min(range(len(grid)), key=nll.__getitem__)])
