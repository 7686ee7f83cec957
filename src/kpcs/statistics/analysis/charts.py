"""The charts of the annual country analysis, drawn with Matplotlib: SVG for the web page,
PNG for the PDF, from the same figures.

Pure: rows in, image bytes out. Matplotlib's object API (``Figure``), never ``pyplot``, so
that request threads drawing at once share no state.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from typing import Any

import matplotlib

matplotlib.use("Agg")
matplotlib.rcParams.update(
    {
        "font.family": "DejaVu Sans",
        "font.size": 8.5,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "grid.color": "#d9dee6",
        "grid.linewidth": 0.6,
        "axes.edgecolor": "#8a94a3",
        "axes.titleweight": "bold",
        "axes.titlesize": 9.5,
        "axes.titlecolor": "#123460",
        "legend.frameon": False,
        "svg.fonttype": "none",  # text stays text in the page: searchable, and small
        "svg.hashsalt": "kpcs",  # the same figures draw the same SVG
    }
)

from matplotlib.figure import Figure  # noqa: E402  (after the backend is chosen)
from matplotlib.ticker import FuncFormatter  # noqa: E402

COLOURS = {
    "production": "#7a4f9a",
    "export": "#1f5f9a",
    "import": "#b26a00",
    "world": "#6b6b6b",
    "peers": "#1f7a3a",
}
"""One colour per series, the same in every chart (and legible in greyscale by line style)."""

WIDTH = 7.2  # inches: the text width of an A4 page with 15 mm margins, at 1:1


def _scaled(values: Sequence[float | None]) -> tuple[list[float], str]:
    """Values in the unit that reads best (millions, thousands or as they are)."""
    biggest = max((abs(v) for v in values if v is not None), default=0)
    factor, unit = (1e6, "million") if biggest >= 5e6 else (1e3, "thousand") if biggest >= 5e3 else (1, "")
    return [float("nan") if v is None else v / factor for v in values], unit


def _output(figure: Figure, fmt: str) -> bytes:
    out = io.BytesIO()
    figure.savefig(out, format=fmt, dpi=150 if fmt == "png" else None, bbox_inches="tight",
                   metadata={"Date": None} if fmt == "svg" else None)  # fmt: skip
    return out.getvalue()


def _tick(value: float, _position: object = None) -> str:
    return f"{value:,.0f}" if value == int(value) else f"{value:,.1f}"


def _thousands(axis: Any) -> None:
    axis.yaxis.set_major_formatter(FuncFormatter(_tick))


def _legend_below(figure: Figure, axis: Any) -> None:
    """One legend under the chart, where it hides no line."""
    handles, labels = axis.get_legend_handles_labels()
    if handles:
        figure.legend(
            handles, labels, loc="lower center", ncols=len(handles), fontsize=7.5, bbox_to_anchor=(0.5, -0.08)
        )


def trade_over_time(history: list[dict[str, Any]], fmt: str) -> bytes:
    """Production, exports and imports year by year: carats on the left, US$ on the right."""
    years = [r["year"] for r in history]
    figure = Figure(figsize=(WIDTH, 2.6))
    for position, (measure, title) in enumerate((("carats", "Carats"), ("value_usd", "US dollars")), start=1):
        axis = figure.add_subplot(1, 2, position)
        series = {
            flow: [r.get(f"{flow}_{measure}") for r in history] for flow in ("production", "export", "import")
        }
        scaled, unit = _scaled([v for values in series.values() for v in values])
        size = len(years)
        for index, (flow, style, label) in enumerate(
            (("production", "-", "Production"), ("export", "--", "Exports"), ("import", ":", "Imports"))
        ):
            part = scaled[index * size : (index + 1) * size]
            if any(v == v for v in part):  # a series with at least one figure (NaN != NaN)
                axis.plot(years, part, style, marker="o", markersize=2.5, color=COLOURS[flow], label=label)
        axis.set_title(f"{title}{f' ({unit})' if unit else ''}", loc="left")
        axis.set_ylim(bottom=0)
        _thousands(axis)
        axis.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True, nbins=6))
    _legend_below(figure, figure.axes[0])
    return _output(figure, fmt)


def unit_values(history: list[dict[str, Any]], fmt: str) -> bytes:
    """US$ per carat of the participant's exports (and production) against the world's
    exports and the median of its peers."""
    years = [r["year"] for r in history]
    figure = Figure(figsize=(WIDTH, 2.4))
    axis = figure.add_subplot(1, 1, 1)
    for key, label, style, colour in (
        ("export_usd_per_carat", "Exports", "--", COLOURS["export"]),
        ("production_usd_per_carat", "Production", "-", COLOURS["production"]),
        ("world_export_usd_per_carat", "World exports", "-.", COLOURS["world"]),
        ("peer_export_usd_per_carat", "Peers' median (exports)", ":", COLOURS["peers"]),
    ):
        values = [r.get(key) for r in history]
        if any(v is not None for v in values):
            axis.plot(years, [float("nan") if v is None else v for v in values], style, marker="o",
                      markersize=2.5, color=colour, label=label)  # fmt: skip
    axis.set_ylabel("US$ per carat")
    _thousands(axis)
    axis.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True, nbins=10))
    _legend_below(figure, axis)
    return _output(figure, fmt)


def main_partners(partners: dict[str, list[dict[str, Any]]], fmt: str) -> bytes:
    """The main destinations of exports and origins of imports, by value."""
    figure = Figure(figsize=(WIDTH, 2.6))
    for position, (flow, title) in enumerate((("export", "Exports to"), ("import", "Imports from")), start=1):
        axis = figure.add_subplot(1, 2, position)
        rows = list(reversed(partners.get(flow, [])[:8]))
        scaled, unit = _scaled([r["value_usd"] for r in rows])
        axis.barh([r["partner"] for r in rows], scaled, color=COLOURS[flow], height=0.6)
        axis.set_title(f"{title} (US$ {unit})".replace(" )", ")"), loc="left")
        axis.grid(axis="y", visible=False)
        axis.xaxis.set_major_formatter(FuncFormatter(_tick))
        if not rows:
            axis.text(
                0.5, 0.5, "none reported", transform=axis.transAxes, ha="center", color=COLOURS["world"]
            )
    return _output(figure, fmt)


def mirror(partners: dict[str, list[dict[str, Any]]], fmt: str) -> bytes:
    """Exports as the participant reported them beside the partner's mirror imports (value,
    the partner's CIF brought back to FOB), for the main destinations."""
    rows = [r for r in partners.get("export", [])[:8]]
    figure = Figure(figsize=(WIDTH, 2.4))
    axis = figure.add_subplot(1, 1, 1)
    scaled, unit = _scaled([r["value_usd"] for r in rows] + [r["mirror_value_usd"] for r in rows])
    size = len(rows)
    positions = list(range(size))
    axis.bar(
        [p - 0.2 for p in positions],
        scaled[:size],
        width=0.4,
        color=COLOURS["export"],
        label="Reported exports",
    )
    axis.bar([p + 0.2 for p in positions], scaled[size:], width=0.4, color=COLOURS["world"],
             label="Partner's reported imports (FOB)")  # fmt: skip
    axis.set_xticks(positions, [r["partner"] for r in rows])
    axis.set_ylabel(f"US$ {unit}".strip())
    axis.grid(axis="x", visible=False)
    _thousands(axis)
    _legend_below(figure, axis)
    return _output(figure, fmt)


def balance(history: list[dict[str, Any]], fmt: str) -> bytes:
    """Production plus imports minus exports, year by year (carats): what stayed in the
    country, or came out of stock when negative."""
    years = [r["year"] for r in history]
    scaled, unit = _scaled([r.get("balance_carats") for r in history])
    figure = Figure(figsize=(WIDTH, 2.0))
    axis = figure.add_subplot(1, 1, 1)
    colours = [COLOURS["peers"] if v >= 0 else "#b3261e" for v in scaled]
    axis.bar(years, scaled, color=colours, width=0.6)
    axis.axhline(0, color=COLOURS["world"], linewidth=0.8)
    axis.set_ylabel(f"carats {unit}".strip())
    axis.grid(axis="x", visible=False)
    _thousands(axis)
    axis.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True, nbins=10))
    return _output(figure, fmt)


Draw = Callable[[Any, str], bytes]

CHARTS: dict[str, tuple[str, Draw, str]] = {
    "trade": ("Production and trade over time", trade_over_time, "history"),
    "unit-values": ("US$ per carat against the world and peers", unit_values, "history"),
    "partners": ("Main partners", main_partners, "partners"),
    "mirror": ("Mirror comparison", mirror, "partners"),
    "balance": ("Balance of production and trade", balance, "history"),
}
"""name: (caption, drawing function, which part of the analysis it draws)."""


def draw_all(analysis: Any, fmt: str) -> dict[str, bytes]:
    """Every chart of ``analysis`` (a CountryAnalysis) in ``fmt`` ("svg" or "png")."""
    return {name: draw(getattr(analysis, part), fmt) for name, (_caption, draw, part) in CHARTS.items()}
