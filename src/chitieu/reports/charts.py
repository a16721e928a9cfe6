"""Charts for the reports, drawn on the server with matplotlib (no display, no network).

One chart per target: the reported values with their 95 % intervals, the smoothed estimate
where there is one, the projection to the target year with its band, and the target line (the
glide path for an average-annual-change target). SVG for the PDF, PNG for the DOCX.
"""

from __future__ import annotations

import io
from functools import cache

import matplotlib

matplotlib.use("Agg")  # before pyplot: render to files only

import matplotlib.pyplot as plt
from matplotlib import font_manager

from chitieu.reports.fonts import font_file
from chitieu.reports.i18n import fmt_number, t
from chitieu.targets.evaluation import TargetEvaluation

_BLUE, _GREY, _RED, _GREEN = "#1f4e79", "#7f7f7f", "#c00000", "#2e7d32"


@cache
def _font_family() -> str:
    """Register the report's font with matplotlib so chart labels keep their diacritics."""
    path = font_file("regular")
    font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path)).get_name()


def _target_line(ev: TargetEvaluation, years: list[int]) -> tuple[list[int], list[float]] | None:
    if ev.annual_change is not None and ev.baseline_value is not None and ev.baseline_year:
        span = [y for y in range(ev.baseline_year, ev.target_year + 1)]
        return span, [ev.baseline_value + ev.annual_change * (y - ev.baseline_year) for y in span]
    if ev.goal_value is None:
        return None
    start = min([*years, ev.start_year or ev.target_year])
    return [start, ev.target_year], [ev.goal_value, ev.goal_value]


def target_chart(ev: TargetEvaluation, lang: str, fmt: str = "svg") -> bytes:
    """The target's chart as SVG (``fmt="svg"``) or PNG bytes, labelled in ``lang``."""
    family = _font_family()
    with plt.rc_context({"font.family": family, "font.size": 8, "svg.fonttype": "path"}):
        fig, ax = plt.subplots(figsize=(6.2, 2.6), dpi=150)
        try:
            _draw(ax, ev, lang)
            buf = io.BytesIO()
            fig.savefig(buf, format=fmt, bbox_inches="tight")
        finally:
            plt.close(fig)
    return buf.getvalue()


def _draw(ax, ev: TargetEvaluation, lang: str) -> None:
    years = [p.year for p in ev.series]
    if ev.series:
        low = [p.value - p.lower if p.lower is not None else 0 for p in ev.series]
        high = [p.upper - p.value if p.upper is not None else 0 for p in ev.series]
        ax.errorbar(
            years,
            [p.value for p in ev.series],
            yerr=[low, high],
            fmt="o",
            ms=3,
            color=_GREY,
            ecolor="#bfbfbf",
            elinewidth=1,
            capsize=1.5,
            label=t("chart_observed", lang),
        )
    if ev.smoothed:
        ax.plot(
            [p.year for p in ev.smoothed],
            [p.value for p in ev.smoothed],
            color=_BLUE,
            lw=1.6,
            label=t("smoothed", lang),
        )
    if ev.projection:
        # the path starts from the last estimate, so the line and band join the series
        start = (ev.smoothed or ev.series)[-1:] if (ev.smoothed or ev.series) else []
        path = [*start, *ev.projection]
        py = [p.year for p in path]
        ax.plot(py, [p.value for p in path], color=_BLUE, lw=1.2, ls="--")
        if all(p.lower is not None and p.upper is not None for p in path):
            ax.fill_between(
                py,
                [p.lower for p in path],
                [p.upper for p in path],
                color=_BLUE,
                alpha=0.15,
                lw=0,
                label=t("chart_projection", lang),
            )
    line = _target_line(ev, years or [ev.target_year])
    if line is not None:
        label = f"{t('goal', lang)} ({fmt_number(ev.goal_value, 1, lang)})"
        ax.plot(*line, color=_RED, lw=1.2, ls=":", label=label)
    ax.set_xlabel(t("year", lang))
    ax.set_ylabel(ev.unit_label_vi if lang == "vi" else ev.unit_label_en)
    ax.grid(alpha=0.3, lw=0.5)
    ax.spines[["top", "right"]].set_visible(False)
    ax.xaxis.get_major_locator().set_params(integer=True)
    if lang == "vi":  # decimal comma on the value axis
        ax.yaxis.set_major_formatter(
            matplotlib.ticker.FuncFormatter(lambda v, _: fmt_number(v, 1, lang))
        )
    ax.legend(loc="best", fontsize=6.5, frameon=False)
