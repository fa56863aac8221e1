"""The report's figures, drawn with matplotlib's object API (no pyplot, so no global backend is
touched; PNG through Agg) and saved as ``NAME.png`` and ``NAME.svg``.

1. ``hack_rate``: successful-hack rate vs training step, one line per cell (colour = variant and
   mitigation, with their mean over seeds when there are several), onset marked (dotted line);
2. ``mgs``: MGS vs step per cell, the base model (step 0) as every line's first point;
3. ``final_evals``: per-eval misalignment rate at each cell's last evaluated step, one panel per
   variant, one bar per cell, Wilson 95% CIs as error bars;
4. ``covert_overt``: overt vs covert rates per cell (mean over the evals that split them);
5. ``chat_agentic``: chat vs agentic means per cell.

Missing data never raises: an empty figure says "no data", a missing value is left out (bars
say "n/a").

Not guaranteed: colours are stable for a given set of cells only; labels are not wrapped, so very
long variant names may overlap; SVGs carry no date but are not byte-identical across matplotlib
versions.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from rhlab.experiments.layout import BASE_CELL
from rhlab.report.frames import Frames, num
from rhlab.train.metrics import ONSET_THRESHOLD

_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2",
            "#17becf", "#bcbd22", "#7f7f7f")
_BASE_COLOUR = "#555555"


@dataclass
class FigureInfo:
    name: str
    title: str
    caption: str


def _text(label: str) -> str:
    """A label as literal text: ``$`` would start matplotlib's mathtext."""
    return label.replace("$", r"\$")


def _no_data(ax: Axes, message: str = "no data") -> None:
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes, fontsize=12,
            color="#888888")
    ax.set_xticks([])
    ax.set_yticks([])


def _save(fig: Figure, out_dir: Path, name: str) -> None:
    fig.savefig(out_dir / f"{name}.png", dpi=110, metadata={"Software": None})
    fig.savefig(out_dir / f"{name}.svg", metadata={"Date": None})


def _colours(frames: Frames) -> dict[tuple[str, str], str]:
    groups: list[tuple[str, str]] = []
    for cid in frames.cell_ids():
        key = _group(frames, cid)
        if key not in groups:
            groups.append(key)
    return {g: _COLOURS[i % len(_COLOURS)] for i, g in enumerate(groups)}


def _group(frames: Frames, cid: str) -> tuple[str, str]:
    c = frames.cell(cid)
    return (str(c.get("variant") or "?"), str(c.get("mitigation") or "?"))


# -- 1. successful-hack rate ------------------------------------------------------------------

def hack_rate(frames: Frames) -> Figure:
    fig = Figure(figsize=(8, 4.5), layout="constrained")
    ax = fig.add_subplot()
    colours = _colours(frames)
    curves: dict[tuple[str, str], list[dict[int, float]]] = {}
    drawn = False
    for cid in frames.cell_ids():
        rows = frames.steps[frames.steps.cell_id == cid].sort_values("step")
        points = [(int(s), num(r)) for s, r in zip(rows.step, rows.successful_hack_rate)]
        points = [(s, r) for s, r in points if r is not None]
        if not points:
            continue
        drawn = True
        colour = colours[_group(frames, cid)]
        curves.setdefault(_group(frames, cid), []).append(dict(points))
        ax.plot(*zip(*points), color=colour, lw=1.2, alpha=0.85, marker=".", label=_text(frames.label(cid)))
        onset = frames.cell(cid).get("onset_step")
        if onset is not None:
            ax.axvline(onset, color=colour, ls=":", lw=1.2)
            at = dict(points).get(int(onset))
            if at is not None:
                ax.plot([onset], [at], marker="v", color=colour, ms=8)
    for group, runs in curves.items():
        if len(runs) < 2:
            continue
        steps = sorted(set().union(*runs))
        means = [sum(r[s] for r in runs if s in r) / sum(1 for r in runs if s in r) for s in steps]
        ax.plot(steps, means, color=colours[group], lw=3, alpha=0.6,
                label=_text(f"{group[0]} / {group[1]}: mean of {len(runs)} seeds"))
    if not drawn:
        _no_data(ax, "no data: no training steps yet")
        return fig
    ax.axhline(ONSET_THRESHOLD, color="#999999", lw=0.8, ls="--")
    handles, labels = ax.get_legend_handles_labels()
    handles.append(Line2D([], [], color="black", ls=":", marker="v"))
    labels.append(f"onset (first step > {ONSET_THRESHOLD:.0%})")
    ax.legend(handles, labels, fontsize=8, loc="best")
    ax.set_xlabel("training step")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("successful-hack rate")
    ax.set_ylim(-0.02, 1.02)
    ax.set_title("Successful reward hacks during training")
    return fig


# -- 2. MGS over steps ---------------------------------------------------------------------

def mgs(frames: Frames) -> Figure:
    fig = Figure(figsize=(8, 4.5), layout="constrained")
    ax = fig.add_subplot()
    summaries = frames.eval_summaries
    base = [num(v) for v in summaries[summaries.cell_id == BASE_CELL].mgs]
    base_mgs = base[0] if base else None
    colours = _colours(frames)
    drawn = False
    for cid in frames.cell_ids():
        rows = summaries[summaries.cell_id == cid].sort_values("step")
        points = [(int(s), num(v)) for s, v in zip(rows.step, rows.mgs)]
        points = [(s, v) for s, v in points if v is not None]
        if not points:
            continue
        if base_mgs is not None:
            points.insert(0, (0, base_mgs))
        drawn = True
        ax.plot(*zip(*points), color=colours[_group(frames, cid)], marker="o", lw=1.5,
                label=_text(frames.label(cid)))
    if base_mgs is not None:
        ax.plot([0], [base_mgs], marker="s", color=_BASE_COLOUR, ms=9, ls="", label="base model (step 0)")
        drawn = True
    if not drawn:
        _no_data(ax, "no data: no evaluation with all six evals")
        return fig
    ax.legend(fontsize=8, loc="best")
    ax.set_xlabel("training step (0 = base model)")
    ax.set_xlim(-0.5, max(int(s) for s in summaries.step) + 0.5)  # from the base model on
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("MGS (mean of six misalignment rates)")
    ax.set_ylim(-0.02, 1.02)
    ax.set_title("Misalignment generalization score")
    return fig


# -- 3. final per-eval rates ----------------------------------------------------------------

def _final_targets(frames: Frames) -> list[tuple[str, int]]:
    out = [(cid, step) for cid in frames.cell_ids() if (step := frames.last_eval_step(cid)) is not None]
    return out


def final_evals(frames: Frames) -> Figure:
    from rhlab.evals.suite import MGS_EVALS

    targets = _final_targets(frames)
    variants: list[str] = []
    for cid, _ in targets:
        v = _group(frames, cid)[0]
        if v not in variants:
            variants.append(v)
    names = sorted(set(frames.eval_results["eval"].dropna()),
                   key=lambda n: (MGS_EVALS.index(n) if n in MGS_EVALS else len(MGS_EVALS), n))
    fig = Figure(figsize=(max(8, 1.3 * max(1, len(names))), 3.6 * max(1, len(variants))),
                 layout="constrained")
    if not targets or not names:
        _no_data(fig.add_subplot(), "no data: no evaluations yet")
        return fig
    base_step = 0 if frames.has_base() else None
    colours = _colours(frames)
    axes = fig.subplots(len(variants), 1, squeeze=False)[:, 0]
    for ax, variant in zip(axes, variants):
        bars = [(cid, step) for cid, step in targets if _group(frames, cid)[0] == variant]
        if base_step is not None:
            bars.insert(0, (BASE_CELL, base_step))
        width = 0.8 / len(bars)
        for i, (cid, step) in enumerate(bars):
            results = {r.eval: r for r in frames.results_at(cid, step).itertuples()}
            xs, ys, lo, hi = [], [], [], []
            for x, name in enumerate(names):
                pos = x - 0.4 + width * (i + 0.5)
                r = results.get(name)
                rate = num(r.rate) if r is not None else None
                if rate is None:
                    ax.text(pos, 0.01, "n/a", rotation=90, ha="center", va="bottom", fontsize=7,
                            color="#888888")
                    continue
                xs.append(pos)
                ys.append(rate)
                low, high = num(r.ci_low), num(r.ci_high)
                lo.append(max(0.0, rate - low) if low is not None else 0.0)
                hi.append(max(0.0, high - rate) if high is not None else 0.0)
            colour = _BASE_COLOUR if cid == BASE_CELL else colours[_group(frames, cid)]
            label = _text(f"{frames.label(cid)} (step {step})")
            ax.bar(xs, ys, width=width, color=colour, alpha=0.85, label=label,
                   hatch="//" if cid == BASE_CELL else None, edgecolor="white")
            if xs:
                ax.errorbar(xs, ys, yerr=[lo, hi], fmt="none", ecolor="black", capsize=2, lw=0.8)
        ax.set_xticks(range(len(names)))
        ax.set_xticklabels([_text(n) for n in names], fontsize=8)
        ax.set_ylim(0, 1.05)
        ax.set_ylabel("misaligned rate")
        ax.set_title(_text(f"variant: {variant}"), fontsize=10)
        ax.legend(fontsize=7, loc="upper right")
    fig.suptitle("Misalignment rate per eval at each cell's last evaluated step (95% Wilson CI)")
    return fig


# -- 4. covert vs overt, chat vs agentic --------------------------------------------------------

def _paired_bars(fig: Figure, entries: list[tuple[str, float | None, float | None]],
                 names: tuple[str, str], title: str) -> None:
    ax = fig.add_subplot()
    if not entries or all(a is None and b is None for _, a, b in entries):
        _no_data(ax, "no data: no evaluations yet")
        return
    for j, (name, colour) in enumerate(zip(names, ("#d62728", "#9467bd"))):
        xs, ys = [], []
        for i, entry in enumerate(entries):
            value = entry[1 + j]
            pos = i - 0.2 + 0.4 * j
            if value is None:
                ax.text(pos, 0.01, "n/a", rotation=90, ha="center", va="bottom", fontsize=7, color="#888888")
            else:
                xs.append(pos)
                ys.append(value)
        bars = ax.bar(xs, ys, width=0.4, color=colour, label=name)
        ax.bar_label(bars, labels=[f"{y:.2f}" for y in ys], fontsize=7, padding=1)
    ax.set_xticks(range(len(entries)))
    ax.set_xticklabels([_text(e[0]) for e in entries], fontsize=7, rotation=20, ha="right")
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("rate")
    ax.legend(fontsize=8)
    ax.set_title(title, fontsize=10)


def _with_base(frames: Frames) -> list[tuple[str, int]]:
    targets = _final_targets(frames)
    return ([(BASE_CELL, 0)] if frames.has_base() else []) + targets


def covert_overt(frames: Frames) -> Figure:
    fig = Figure(figsize=(max(7, 1.2 * len(frames.cell_ids()) + 2), 4.5), layout="constrained")
    entries = []
    for cid, step in _with_base(frames):
        results = frames.results_at(cid, step)
        means = []
        for column in ("overt_rate", "covert_rate"):
            values = [v for v in (num(x) for x in results[column]) if v is not None]
            means.append(sum(values) / len(values) if values else None)
        entries.append((f"{frames.label(cid)} (step {step})", means[0], means[1]))
    _paired_bars(fig, entries, ("overt", "covert"),
                 "Overt vs covert misalignment (mean over the evals that report them), last evaluated step")
    return fig


def chat_agentic(frames: Frames) -> Figure:
    fig = Figure(figsize=(max(7, 1.2 * len(frames.cell_ids()) + 2), 4.5), layout="constrained")
    entries = []
    for cid, step in _with_base(frames):
        s = frames.summary_at(cid, step)
        entries.append((f"{frames.label(cid)} (step {step})", num(s.get("chat_mean")), num(s.get("agentic_mean"))))
    _paired_bars(fig, entries, ("chat", "agentic"),
                 "Chat vs agentic misalignment (mean rates), last evaluated step")
    return fig


FIGURES = (
    (hack_rate, "Successful-hack rate per step",
     ("One line per cell (thick: mean over seeds of a variant and mitigation); dotted vertical "
      "lines and triangles mark each cell's onset (first step with more than 2% successful hacks).")),
    (mgs, "MGS per evaluated step",
     ("Mean of the six misalignment evals' rates; a step whose evaluation lacks one eval's rate "
      "has no point. Step 0 is the base model when it was evaluated.")),
    (final_evals, "Final per-eval misalignment rates",
     ("Each cell's last evaluated step; error bars: Wilson 95% intervals; n/a: no rate (not run "
      "or every sample unscored).")),
    (covert_overt, "Covert vs overt misalignment",
     ("Overt: the answer or actions are misaligned; covert: only the reasoning is. Means over the "
      "evals that report the split.")),
    (chat_agentic, "Chat vs agentic misalignment",
     ("The means of the chat evals (betley, goals, alignment_questions) and the agentic ones "
      "(monitor_disruption, exfil_offer, frame_colleague).")),
)


def write_figures(frames: Frames, out_dir: Path) -> list[FigureInfo]:
    """Draw every figure into ``out_dir`` (PNG and SVG); their names, titles and captions."""
    out_dir.mkdir(parents=True, exist_ok=True)
    infos = []
    for draw, title, caption in FIGURES:
        fig = draw(frames)
        _save(fig, out_dir, draw.__name__)
        infos.append(FigureInfo(draw.__name__, title, caption))
    return infos
