"""Candlestick chart images for /daily: price candles over volume bars, as PNG bytes.

Rendering uses matplotlib's object-oriented API only (a `Figure` on its own `FigureCanvasAgg`),
never pyplot: pyplot keeps global figure state, which would leak memory and race when the bot
renders charts in worker threads (`asyncio.to_thread`). Colours follow the Korean convention:
a candle that closed above its open is red, below its open blue, unchanged grey.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import io
import logging
import math
import threading
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Protocol

from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator

logger = logging.getLogger(__name__)

RISING_COLOR = "#E8312F"  # KRX red: closed above its open
FALLING_COLOR = "#1E5EDB"  # KRX blue: closed below its open
FLAT_COLOR = "#8C8C8C"

CHART_SIZE_PX = (1000, 650)
_DPI = 100
_BODY_WIDTH = 0.6
_MAX_DATE_LABELS = 10
_MIN_SLOTS = 7
_KOREAN_FONT_FILE = "NanumGothic.ttf"


class BarLike(Protocol):
    """One trading day's prices (won, or Decimal in a foreign currency) and volume (shares);
    KIS's DailyBar and OverseasBar satisfy it."""

    @property
    def day(self) -> dt.date: ...
    @property
    def open(self) -> int | Decimal: ...
    @property
    def high(self) -> int | Decimal: ...
    @property
    def low(self) -> int | Decimal: ...
    @property
    def close(self) -> int | Decimal: ...
    @property
    def volume(self) -> int: ...


def bundled_korean_font_path() -> Path | None:
    """Where koreanize-matplotlib's NanumGothic.ttf would be, or None if it is not installed."""
    # find_spec locates the package without importing it: importing it rewrites the global
    # rcParams (and it imports distutils, gone from Python 3.12).
    spec = importlib.util.find_spec("koreanize_matplotlib")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "fonts" / _KOREAN_FONT_FILE


def load_font(path: Path | None) -> font_manager.FontProperties:
    """The font at `path`, registered with matplotlib; else the default font, with a warning."""
    if path is None or not path.is_file():
        logger.warning("Korean font %s not found; chart text may show empty boxes", path)
        return font_manager.FontProperties()
    font_manager.fontManager.addfont(str(path))
    # By family name rather than file, so tick labels (which take only a family) can use it too.
    return font_manager.FontProperties(family=font_manager.get_font(path).family_name)


_font_lock = threading.Lock()
_korean_font: font_manager.FontProperties | None = None


def korean_font() -> font_manager.FontProperties:
    """NanumGothic from koreanize-matplotlib, loaded once per process (thread-safe)."""
    global _korean_font
    with _font_lock:
        if _korean_font is None:
            _korean_font = load_font(bundled_korean_font_path())
        return _korean_font.copy()


def render_daily_chart(title: str, bars: Sequence[BarLike]) -> bytes:
    """A PNG (1000x650) of daily candles over volume bars, oldest day on the left."""
    figure = daily_chart_figure(title, bars)
    buffer = io.BytesIO()
    # No "Software" text chunk: it only names the matplotlib version and costs bytes.
    figure.savefig(buffer, format="png", dpi=_DPI, metadata={"Software": None})
    return buffer.getvalue()


def daily_chart_figure(title: str, bars: Sequence[BarLike]) -> Figure:
    """The chart as a matplotlib Figure on its own Agg canvas (for tests and other formats)."""
    if not bars:
        raise ValueError("no daily bars to chart")
    ordered = sorted(bars, key=lambda bar: bar.day)
    font = korean_font()
    width, height = CHART_SIZE_PX
    figure = Figure(figsize=(width / _DPI, height / _DPI), dpi=_DPI, layout="constrained")
    FigureCanvasAgg(figure)  # attaches itself: Agg for this figure, whatever the global backend
    price_ax, volume_ax = figure.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 1]})
    colors = [candle_color(bar) for bar in ordered]
    _draw_candles(price_ax, ordered, colors)
    _draw_volume(volume_ax, ordered, colors)
    _label_dates(volume_ax, [bar.day for bar in ordered])
    for ax in (price_ax, volume_ax):
        _style_axis(ax, font)
    price_ax.set_title(title, fontproperties=font, fontsize=15, loc="left")
    price_ax.set_xlim(*_slot_range(len(ordered)))
    return figure


def _slot_range(count: int) -> tuple[float, float]:
    """X limits wide enough for at least a few slots, so one or two candles are not slabs."""
    half_span = max(count, _MIN_SLOTS) / 2 + 0.2
    center = (count - 1) / 2
    return center - half_span, center + half_span


def candle_color(bar: BarLike) -> str:
    """Red when the day closed above its open, blue below, grey when unchanged."""
    if bar.close > bar.open:
        return RISING_COLOR
    if bar.close < bar.open:
        return FALLING_COLOR
    return FLAT_COLOR


def _draw_candles(ax: Axes, bars: Sequence[BarLike], colors: list[str]) -> None:
    """Wicks from low to high, and bodies from open to close, one slot per trading day."""
    slots = range(len(bars))
    # Floats only for drawing: a pixel needs no exact cents.
    lows, highs = [float(b.low) for b in bars], [float(b.high) for b in bars]
    ax.vlines(slots, lows, highs, colors=colors, linewidth=1, zorder=2)
    # A flat day has a zero-height body; its edge line still draws it as a tick.
    ax.bar(
        slots,
        [float(abs(b.close - b.open)) for b in bars],
        bottom=[float(min(b.open, b.close)) for b in bars],
        width=_BODY_WIDTH,
        color=colors,
        edgecolor=colors,
        linewidth=0.8,
        zorder=3,
    )
    small = max(highs) < 100  # cents matter on the axis (a $12.34 stock)
    ax.yaxis.set_major_locator(MaxNLocator(nbins=7, integer=not small))
    ax.yaxis.set_major_formatter(FuncFormatter(_with_cents if small else _thousands))


def _draw_volume(ax: Axes, bars: Sequence[BarLike], colors: list[str]) -> None:
    """Volume bars coloured like their candles."""
    ax.bar(range(len(bars)), [b.volume for b in bars], width=_BODY_WIDTH, color=colors, zorder=3)
    ax.set_ylim(bottom=0)
    ax.yaxis.set_major_locator(MaxNLocator(nbins=3, integer=True))
    ax.yaxis.set_major_formatter(FuncFormatter(_thousands))


def _label_dates(ax: Axes, dates: list[dt.date]) -> None:
    """MM-DD under at most ~10 evenly spaced days, always including the latest one."""
    step = max(1, math.ceil(len(dates) / _MAX_DATE_LABELS))
    slots = list(range(len(dates) - 1, -1, -step))[::-1]
    ax.xaxis.set_major_locator(FixedLocator(slots))
    ax.xaxis.set_major_formatter(
        FuncFormatter(lambda x, _pos: _date_label(dates, x)),
    )


def _date_label(dates: list[dt.date], x: float) -> str:
    slot = round(x)
    return dates[slot].strftime("%m-%d") if 0 <= slot < len(dates) else ""


def _style_axis(ax: Axes, font: font_manager.FontProperties) -> None:
    ax.grid(True, color="#E6E6E6", linewidth=0.6, zorder=0)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(labelsize=9, labelfontfamily=font.get_family())


def _thousands(value: float, _pos: int | None = None) -> str:
    return f"{value:,.0f}"


def _with_cents(value: float, _pos: int | None = None) -> str:
    return f"{value:,.2f}"
