"""The /daily chart image: readable Korean, KRX colours, the same picture whatever the bar order."""

from __future__ import annotations

import datetime as dt
import io
import logging
import random
import struct
import subprocess
import sys
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import matplotlib
import numpy as np
import pytest
from matplotlib import font_manager
from matplotlib.colors import to_rgb, to_rgba
from matplotlib.image import imread
from matplotlib.text import Text

from kisbot import charts
from kisbot.charts import (
    FALLING_COLOR,
    FLAT_COLOR,
    RISING_COLOR,
    daily_chart_figure,
    render_daily_chart,
)

TITLE = "삼성전자 (005930) · 최근 20거래일"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True, slots=True)
class Bar:
    day: dt.date
    open: int
    high: int
    low: int
    close: int
    volume: int


def trading_days(count: int, seed: int = 7) -> list[Bar]:
    """`count` weekday bars of a random walk around 70,000 won, oldest first."""
    rng = random.Random(seed)
    bars: list[Bar] = []
    day, price = dt.date(2025, 11, 3), 70_000
    while len(bars) < count:
        day += dt.timedelta(days=1)
        if day.weekday() >= 5:
            continue
        close = price + rng.randint(-12, 12) * 100
        high, low = max(price, close) + rng.randint(0, 6) * 100, min(price, close) - 300
        bars.append(Bar(day, price, high, low, close, rng.randint(1_000_000, 30_000_000)))
        price = close
    return bars


def png_size(png: bytes) -> tuple[int, int]:
    width, height = struct.unpack(">II", png[16:24])  # IHDR follows the 8-byte signature
    return width, height


def glyph_warnings(caught: list[warnings.WarningMessage]) -> list[str]:
    return [str(w.message) for w in caught if "missing from font" in str(w.message)]


def test_chart_is_a_telegram_sized_png() -> None:
    png = render_daily_chart(TITLE, trading_days(20))

    assert png.startswith(PNG_SIGNATURE)
    assert png_size(png) == (1000, 650)
    assert 10_000 < len(png) < 150_000


def test_hundred_days_render_small_with_thinned_mm_dd_labels() -> None:
    bars = trading_days(100)

    png = render_daily_chart(TITLE, bars)
    figure = daily_chart_figure(TITLE, bars)
    figure.canvas.draw()
    _price_ax, volume_ax = figure.axes
    labels = [t.get_text() for t in volume_ax.get_xticklabels() if t.get_text()]

    assert png_size(png) == (1000, 650)
    assert len(png) < 150_000
    assert 5 <= len(labels) <= 10
    assert labels[-1] == bars[-1].day.strftime("%m-%d")
    assert all(len(label) == 5 and label[2] == "-" for label in labels)


def test_price_axis_shows_won_with_thousands_separators() -> None:
    figure = daily_chart_figure(TITLE, trading_days(20))
    figure.canvas.draw()
    price_ax, volume_ax = figure.axes

    price_labels = [t.get_text() for t in price_ax.get_yticklabels() if t.get_text()]
    volume_labels = [t.get_text() for t in volume_ax.get_yticklabels() if t.get_text()]
    assert price_labels
    assert all("," in label and "." not in label for label in price_labels)
    assert any("," in label for label in volume_labels)


def test_korean_title_renders_in_nanumgothic_without_missing_glyphs() -> None:
    figure = daily_chart_figure(TITLE, trading_days(20))
    [title] = [t for t in figure.findobj(Text) if t.get_text() == TITLE]
    title_font = font_manager.findfont(title.get_fontproperties(), fallback_to_default=False)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        render_daily_chart(TITLE, trading_days(20))

    assert Path(title_font).name == "NanumGothic.ttf"
    assert glyph_warnings(caught) == []


def test_without_the_bundled_font_it_warns_and_still_renders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="kisbot.charts"):
        fallback = charts.load_font(tmp_path / "NanumGothic.ttf")
    monkeypatch.setattr(charts, "_korean_font", fallback)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        png = render_daily_chart(TITLE, trading_days(5))

    assert "Korean font" in caplog.text
    assert png.startswith(PNG_SIGNATURE)
    # The default font has no Hangul: this is what the NanumGothic test guards against.
    assert glyph_warnings(caught)


def test_bar_order_does_not_change_the_image() -> None:
    bars = trading_days(15)
    shuffled = bars.copy()
    random.Random(3).shuffle(shuffled)

    oldest_first = render_daily_chart(TITLE, bars)

    assert render_daily_chart(TITLE, bars[::-1]) == oldest_first
    assert render_daily_chart(TITLE, shuffled) == oldest_first


def test_rising_is_red_falling_blue_unchanged_grey_for_candles_and_volume() -> None:
    day = dt.date(2026, 3, 2)
    rising = Bar(day, 70_000, 71_500, 69_800, 71_000, 5_000_000)
    falling = Bar(day + dt.timedelta(days=1), 71_000, 71_200, 69_500, 70_000, 7_000_000)
    flat = Bar(day + dt.timedelta(days=2), 70_000, 70_400, 69_700, 70_000, 3_000_000)

    figure = daily_chart_figure(TITLE, [flat, falling, rising])
    price_ax, volume_ax = figure.axes

    expected = [to_rgba(c) for c in (RISING_COLOR, FALLING_COLOR, FLAT_COLOR)]
    assert [p.get_facecolor() for p in price_ax.patches] == expected
    assert [p.get_facecolor() for p in volume_ax.patches] == expected
    assert [to_rgba(c) for c in price_ax.collections[0].get_colors()] == expected


def test_rendered_image_shows_red_and_blue_candles() -> None:
    day = dt.date(2026, 3, 2)
    up = [Bar(day + dt.timedelta(days=i), 100, 130, 90, 120, 1_000) for i in range(3)]
    down = [Bar(day + dt.timedelta(days=3 + i), 120, 125, 95, 100, 1_000) for i in range(3)]

    mixed = red_and_blue_pixels(render_daily_chart(TITLE, up + down))
    only_up = red_and_blue_pixels(render_daily_chart(TITLE, up))

    assert mixed[0] > 1_000 and mixed[1] > 1_000
    assert only_up[0] > 1_000 and only_up[1] == 0


def red_and_blue_pixels(png: bytes) -> tuple[int, int]:
    pixels = imread(io.BytesIO(png), format="png")[..., :3]

    def count(color: str) -> int:
        return int(np.all(np.abs(pixels - np.array(to_rgb(color))) < 0.02, axis=-1).sum())

    return count(RISING_COLOR), count(FALLING_COLOR)


def test_a_single_day_still_renders() -> None:
    png = render_daily_chart("삼성전자 (005930)", trading_days(1))

    assert png.startswith(PNG_SIGNATURE)
    assert png_size(png) == (1000, 650)


def test_no_bars_is_refused() -> None:
    with pytest.raises(ValueError):
        render_daily_chart(TITLE, [])


def test_renders_in_threads_match_and_leave_global_font_settings_alone() -> None:
    bars = trading_days(10)
    font_family = list(matplotlib.rcParams["font.family"])
    expected = render_daily_chart(TITLE, bars)

    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(lambda _: render_daily_chart(TITLE, bars), range(3)))

    assert results == [expected] * 3
    assert list(matplotlib.rcParams["font.family"]) == font_family


RENDER_IN_FRESH_PROCESS = """
import datetime, sys
from types import SimpleNamespace
from kisbot.charts import render_daily_chart
bar = SimpleNamespace(day=datetime.date(2026, 3, 2), open=1, high=3, low=1, close=2, volume=5)
render_daily_chart("삼성전자", [bar])
print(",".join(m for m in ("matplotlib.pyplot", "koreanize_matplotlib") if m in sys.modules))
"""


def test_rendering_never_imports_pyplot_or_koreanize() -> None:
    # pyplot keeps global figures (leaks, races in threads); koreanize_matplotlib rewrites the
    # global rcParams when imported. Only a fresh process shows whether the renderer pulls them in.
    repo_root = Path(charts.__file__).resolve().parents[1]
    done = subprocess.run(
        [sys.executable, "-c", RENDER_IN_FRESH_PROCESS],
        cwd=repo_root,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )

    assert done.stdout.strip() == ""


def test_the_kis_layers_daily_bars_render() -> None:
    from decimal import Decimal

    from kisbot.kis import DailyBar, Direction

    bars = [
        DailyBar(b.day, b.open, b.high, b.low, b.close, b.volume, 0, Direction.FLAT, Decimal(0))
        for b in trading_days(5)
    ]
    assert render_daily_chart("삼성전자 (005930)", bars).startswith(b"\x89PNG")
