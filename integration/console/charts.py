"""Bar charts drawn on the server as SVG: the geometry here, the markup in the template
(`console/_chart.html`). No JavaScript and nothing fetched from elsewhere."""

from dataclasses import dataclass
from datetime import datetime

from django.utils.formats import date_format, number_format
from django.utils.translation import gettext_lazy

WIDTH, HEIGHT = 640, 200
LEFT, BOTTOM, TOP = 40, 24, 8  # room for the axis labels


@dataclass
class Bucket:
    start: datetime
    received: int = 0
    confirmed: int = 0


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    series: str  # css class: received | confirmed
    title: str


@dataclass
class Label:
    x: float
    text: str


@dataclass
class Gridline:
    y: float
    value: int


@dataclass
class Chart:
    title: str
    bars: list[Bar]
    labels: list[Label]
    gridlines: list[Gridline]
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    baseline: int = HEIGHT - BOTTOM
    received: int = 0
    confirmed: int = 0


def _tick_step(value: int) -> int:
    """A round step for four gridlines that reach at least `value`."""
    scale = 1
    while True:
        for factor in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8):
            step = factor * scale
            if step == int(step) and step * 4 >= value:
                return int(step)
        scale *= 10


SERIES_TITLES = {
    "received": gettext_lazy("%(when)s: %(count)s received"),
    "confirmed": gettext_lazy("%(when)s: %(count)s confirmed"),
}


def grouped_bars(title: str, buckets: list[Bucket], label_format: str, label_every: int) -> Chart:
    """Received and confirmed side by side for each bucket."""
    step = _tick_step(max([1, *(max(b.received, b.confirmed) for b in buckets)]))
    top = step * 4
    plot_height = HEIGHT - BOTTOM - TOP
    slot = (WIDTH - LEFT) / max(len(buckets), 1)
    bar_width = max(slot * 0.38, 1.0)
    bars, labels = [], []
    for index, bucket in enumerate(buckets):
        x = LEFT + index * slot + slot * 0.1
        # Django's date format in the active language ("D d": "Mon 07", "lun. 07").
        when = date_format(bucket.start, label_format)
        for offset, series, value in (
            (0, "received", bucket.received),
            (1, "confirmed", bucket.confirmed),
        ):
            height = plot_height * value / top
            bars.append(
                Bar(
                    x=round(x + offset * bar_width, 1),
                    y=round(HEIGHT - BOTTOM - height, 1),
                    width=round(bar_width, 1),
                    height=round(height, 1),
                    series=series,
                    title=SERIES_TITLES[series]
                    % {"when": when, "count": number_format(value, force_grouping=True)},
                )
            )
        if index % label_every == 0:
            labels.append(Label(x=round(x + bar_width, 1), text=when))
    gridlines = [
        Gridline(y=round(HEIGHT - BOTTOM - plot_height * part / 4, 1), value=step * part)
        for part in range(5)
    ]
    return Chart(
        title=title,
        bars=bars,
        labels=labels,
        gridlines=gridlines,
        received=sum(b.received for b in buckets),
        confirmed=sum(b.confirmed for b in buckets),
    )
