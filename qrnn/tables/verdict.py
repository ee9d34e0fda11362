"""The verdict of a task in plain words: does the quantum RNN beat each baseline at matched
parameters, with Holm-corrected significance? Written from the main table's rows only.

``outcome`` is the one rule every comparison table (main, ablations, scaling) fills its
outcome column with: a comparison whose runs did not all stop on a validation plateau is
inconclusive, whatever its p-value; otherwise the Holm-corrected Welch test decides.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from qrnn.models.parameters import MATCH_TOLERANCE
from qrnn.tables.convergence import inconclusive
from qrnn.tables.formats import MODEL_NAMES, QUANTUM, number, p_value, seeds
from qrnn.tables.statistics import ALPHA


@dataclass(frozen=True)
class OutcomeWords:
    """What a table calls a converged comparison of a row's group with its reference."""

    group_ahead: str  # significant, the row's group is better
    group_behind: str  # significant, the reference is better
    no_difference: str  # not significant after the correction


UNDECIDED = "undecided"  # no test possible (one seed, no spread)
QUANTUM_VIEW = OutcomeWords(group_ahead="loses to", group_behind="beats", no_difference="does not significantly differ from")  # the quantum RNN's view of a baseline row
VARIANT_VIEW = OutcomeWords(group_ahead="better than the reference", group_behind="worse than the reference", no_difference="no significant difference")


def outcome(row: dict[str, Any], words: OutcomeWords) -> str:
    """The outcome of a comparison row (columns not_converged, p_welch_holm, difference =
    row's group minus the reference, better): inconclusive when not every run converged."""
    if row["not_converged"]:
        return inconclusive(row["not_converged"])
    if math.isnan(row["p_welch_holm"]):
        return UNDECIDED
    if row["p_welch_holm"] >= ALPHA:
        return words.no_difference
    group_ahead = row["difference"] < 0 if row["better"] == "lower" else row["difference"] > 0
    return words.group_ahead if group_ahead else words.group_behind


def _p(value: float) -> str:
    text = p_value(value)
    return f"p {text.replace('<', '< ')}" if text.startswith("<") else f"p = {text}"


def _sentence(quantum: dict[str, Any], row: dict[str, Any]) -> tuple[str, str]:
    """(one-word outcome, the paragraph on one baseline)."""
    name = MODEL_NAMES.get(row["model"], row["model"])
    metric, lower = row["metric"], row["better"] == "lower"
    # The recurrent parts are what is matched (the embedding and head are shared by design).
    ours, theirs = row["trainable_parameters_recurrent"], quantum["trainable_parameters_recurrent"]
    mismatch = abs(ours - theirs) / theirs
    size = (
        f"matched recurrent parameters: {ours:,} vs {theirs:,}, {mismatch:.1%} apart"
        if mismatch <= MATCH_TOLERANCE
        else f"NOT matched recurrent parameters: {ours:,} vs {theirs:,}, {mismatch:.0%} apart, so the comparison is not a fair one"
    )
    # difference = baseline - quantum; the quantum RNN is ahead when that points the good way for it
    quantum_ahead = row["difference"] > 0 if lower else row["difference"] < 0
    if row["difference"] == 0:
        relation = f"the same mean {metric} ({number(quantum['mean'])})"
    else:
        relation = (
            f"{'a lower' if (quantum['mean'] < row['mean']) else 'a higher'} mean test {metric} than the {name} "
            f"({number(quantum['mean'])} vs {number(row['mean'])}; {row['better']} is better), "
            f"so it is {'ahead' if quantum_ahead else 'behind'} by {number(abs(row['difference']))}"
        )
    corrected = row["p_welch_holm"]
    counts = f"{quantum['n_seeds']} vs {row['n_seeds']} seeds"
    result = outcome(row, QUANTUM_VIEW)
    if row["not_converged"]:
        test = (
            f"Not every run converged ({row['not_converged']}; {quantum['n_converged']} of {quantum['n_seeds']} quantum-RNN and "
            f"{row['n_converged']} of {row['n_seeds']} {name} runs stopped on a validation plateau), so the two models have not both been shown "
            f"to reach their best and the comparison is inconclusive whatever the test says (Welch {_p(row['p_welch'])}, Holm-corrected {_p(corrected)})."
        )
    elif math.isnan(corrected):
        test = f"No significance test is possible with {counts} (a t-test needs two seeds per group and some spread)."
    elif corrected < ALPHA:
        test = f"The difference is significant after Holm correction (Welch {_p(row['p_welch'])}, corrected {_p(corrected)}, {counts}; Hedges' g = {number(row['hedges_g'], 2)})."
    else:
        power = seeds(row["seeds_for_80_power"])
        need = (
            "the observed means are equal, so no number of seeds would separate them"
            if power == "∞"
            else f"about {power} seeds per model would be needed for 80% power after the correction at the observed effect size (Hedges' g = {number(row['hedges_g'], 2)})"
            if power != "–"
            else "the observed effect is undefined, so no power estimate"
        )
        test = f"This is not significant at {counts} (Welch {_p(row['p_welch'])}, Holm-corrected {_p(corrected)}); {need}."
    return result, f"- **{name}** ({size}): the quantum RNN has {relation}. {test}"


def _in_short(result: str, name: str) -> str:
    """The clause of the one-line answer: "beats the LSTM", "is inconclusive against the LSTM: not converged (...)"."""
    if result.startswith("inconclusive"):
        return f"is {result.replace(': ', f' against the {name}: ', 1)}"
    if result == UNDECIDED:
        return f"is undecided against the {name}"
    return f"{result} the {name}"


def verdict(task: str, rows: list[dict[str, Any]]) -> str:
    """Markdown: a one-line answer per baseline, then the reasons."""
    quantum = next((row for row in rows if row["model"] == QUANTUM), None)
    lines = [f"# {task}: does the quantum RNN beat the baselines?", ""]
    if quantum is None:
        return "\n".join([*lines, "There are no quantum-RNN runs in this task.", ""])
    baselines = [row for row in rows if row["model"] != QUANTUM]
    if not baselines:
        return "\n".join([*lines, "There are no baseline runs in this task to compare with.", ""])
    outcomes = [_sentence(quantum, row) for row in baselines]
    summary = "; ".join(_in_short(result, MODEL_NAMES.get(row["model"], row["model"])) for (result, _), row in zip(outcomes, baselines))
    lines += [
        f"Main metric: test {quantum['metric']} ({quantum['better']} is better). Significance: two-sided Welch t-test, "
        f"Holm-corrected over the {len(baselines)} baselines, at α = {ALPHA}. A comparison counts only if every run of both "
        "models stopped on a validation plateau; otherwise it is inconclusive: not converged.",
        "",
        f"**In short:** the quantum RNN {summary}.",
        "",
        *(paragraph for _, paragraph in outcomes),
        "",
    ]
    return "\n".join(lines)
