"""The book's explorables: figures the reader moves, with no kernel.

Each function returns an :class:`Explorable`: a Vega-Lite specification
whose sliders, menus and switches are Vega-Lite parameters bound to HTML
inputs, and whose every number is computed by Vega's expression language
in the browser from the formulas the chapters teach. Nothing is
precomputed except the chapter's own data (chapter 7's logits).

In a notebook the explorable shows as its caption and a note. In the HTML
book, ``_ext/explorables.py`` compiles the specification to Vega, draws a
static image of its starting state for print and for readers without
JavaScript, and ``_static/explorables.js`` renders it with the one copy of
Vega under ``_static/vega/``.

Every specification comes in two layouts: ``"wide"`` places its views side
by side for a laptop's column, ``"narrow"`` stacks them for a phone. The
browser tests move every control and compare what the page shows with
:mod:`logitutils` at the same settings.
"""

import html
import json
from dataclasses import dataclass

import numpy as np

import logitutils

__all__ = [
    "Explorable",
    "decoding",
    "drawn_texts",
    "logit_and_probability",
    "losses_from_logits",
    "softmax_decisions",
]

SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"
# The Vega-Lite that compiles the specifications (vl-convert's bundle).
VEGA_LITE_VERSION = "6.4"
LAYOUTS = ("wide", "narrow")
# Inner widths of one view: two side by side fill a laptop's column (about
# 740 px), one fills a phone's (about 350 px) with its axis.
VIEW_WIDTH = {"wide": 280, "narrow": 270}
VIEW_HEIGHT = 200
# The decoding figure's logits are written to the page rounded to this
# many decimals (chapter 7 checks that none lies near a rounding boundary).
DECODING_DECIMALS = 2
BAR = "#4c78a8"
HIGHLIGHT = "#e45756"
MUTED = "#9a9a9a"
# Guide lines (dashed rules) carry no number of their own: the readouts
# state what they mark, so they are hidden from screen readers ("aria").

# Text, axes and titles take the page's text colour ("currentColor"), so
# the same drawing reads in light and dark mode; the background is the
# page's own.
CONFIG = {
    "font": "sans-serif",
    "axis": {
        "labelColor": "currentColor",
        "titleColor": "currentColor",
        "domainColor": "currentColor",
        "tickColor": "currentColor",
        "gridColor": MUTED,
        "gridOpacity": 0.35,
        "labelFontSize": 12,
        "titleFontSize": 12,
        "titleFontWeight": "normal",
    },
    "text": {"color": "currentColor", "fontSize": 13},
    "title": {
        "color": "currentColor",
        "fontSize": 13,
        "fontWeight": "bold",
        "anchor": "start",
    },
    "view": {"stroke": None},
    "concat": {"spacing": 28},
}


@dataclass(frozen=True)
class Explorable:
    """A Vega-Lite figure with bound controls, ready to be embedded.

    Attributes
    ----------
    name : str
        Identifier, unique in the book (``"decoding"``); the page element
        is ``explorable-<name>``.
    caption : str
        What the figure shows and what to try, under it.
    alt : str
        Alt text of its static image.
    specs : dict
        ``{"wide": spec, "narrow": spec}``, Vega-Lite specifications.
    """

    name: str
    caption: str
    alt: str
    specs: dict

    def __post_init__(self):
        if set(self.specs) != set(LAYOUTS):
            raise ValueError(
                f"specs must have the layouts {LAYOUTS}, got {sorted(self.specs)}"
            )

    def __repr__(self):
        return f"Explorable({self.name!r})"

    def _repr_html_(self):
        scripts = "".join(
            f'<script type="application/json" class="explorable-spec"'
            f' data-layout="{layout}">{_json_for_html(self.specs[layout])}'
            f"</script>"
            for layout in LAYOUTS
        )
        return (
            f'<figure class="explorable" id="explorable-{self.name}"'
            f' data-explorable="{self.name}"'
            f' data-alt="{html.escape(self.alt)}">'
            '<div class="explorable-live"></div>'
            '<div class="explorable-controls"></div>'
            '<p class="explorable-note">This figure moves in the HTML book,'
            " where its sliders run in the browser.</p>"
            f"{scripts}"
            f"<figcaption>{html.escape(self.caption)}</figcaption>"
            "</figure>"
        )


def drawn_texts(spec, **settings):
    """The text of every named text mark, as Vega draws `spec` with its
    parameters at `settings` (by vl-convert, in the bundled Vega).

    Returns ``{mark name: [text, ...]}``, items in data order; the tests
    compare it with the book's references and with the live page.
    """
    import copy

    import vl_convert

    spec = copy.deepcopy(spec)
    for param in spec["params"]:
        if param["name"] in settings:
            param["value"] = settings[param["name"]]
    unknown = set(settings) - {param["name"] for param in spec["params"]}
    if unknown:
        raise ValueError(f"no such parameters: {sorted(unknown)}")
    scene = vl_convert.vegalite_to_scenegraph(spec, vl_version=VEGA_LITE_VERSION)
    texts = {}
    nodes = [scene]
    while nodes:
        node = nodes.pop()
        if isinstance(node, dict):
            if node.get("marktype") == "text" and node.get("name"):
                texts[node["name"].removesuffix("_marks")] = [
                    item["text"] for item in node.get("items", [])
                ]
            nodes.extend(node.values())
        elif isinstance(node, list):
            nodes.extend(node)
    return texts


def _number(x, spec):
    # As the figure prints it: d3-format writes a minus sign, not a hyphen.
    return format(float(x), spec).replace("-", "\u2212")


def _numbers(xs, spec):
    return ", ".join(_number(x, spec) for x in xs)


def _json_for_html(spec):
    # Compact and in a fixed order, so that the output is the same text on
    # every run; "</" cannot end the script element early.
    return json.dumps(spec, separators=(",", ":"), ensure_ascii=False).replace(
        "</", "<\\/"
    )


# ---------------------------------------------------------------------------
# Building blocks
# ---------------------------------------------------------------------------


def _slider(name, label, low, high, step, value):
    return {
        "name": name,
        "value": value,
        "bind": {
            "input": "range",
            "min": low,
            "max": high,
            "step": step,
            "name": label,
        },
    }


def _readouts(name, lines, *, transform=(), x=6, top=14, spacing=17,
              align="left"):
    """Text lines at fixed positions in a view: each a Vega expression.

    `transform` must leave one datum, so each line is drawn once; its
    expressions may use the parameters and that datum's fields.
    """
    # The y position is a pixel offset, not data ("scale": None), so the
    # readout shares no scale with the view's marks.
    return {
        "name": name,
        "transform": list(transform)
        + [{"calculate": expr, "as": f"line_{i}"} for i, expr in enumerate(lines)]
        + [{"fold": [f"line_{i}" for i in range(len(lines))], "as": ["k", "text"]}]
        + [{"calculate": f"{top} + {spacing} * toNumber(slice(datum.k, 5))",
            "as": "row"}],
        "mark": {"type": "text", "align": align, "baseline": "middle"},
        "encoding": {
            "x": {"value": x},
            "y": {"field": "row", "type": "quantitative", "scale": None},
            "text": {"field": "text", "type": "nominal"},
            # What a screen reader announces for the line: the line.
            "description": {"field": "text", "type": "nominal"},
        },
    }


def _bar_labels(name, x, field):
    """Each bar's value, four decimals, just above it."""
    return {
        "name": name,
        "mark": {"type": "text", "dy": -8},
        "encoding": {
            "x": x,
            "y": {"field": field, "type": "quantitative"},
            "text": {"field": field, "type": "quantitative", "format": ".4f"},
        },
    }


def _marked_point(point):
    """The red dot at (z, σ(z)) on a sigmoid curve."""
    return {
        **point,
        "mark": {"type": "point", "filled": True, "size": 90, "color": HIGHLIGHT},
        "encoding": {
            "x": {"field": "z", "type": "quantitative"},
            "y": {"field": "p", "type": "quantitative"},
        },
    }


def _arrange(views, layout, **top):
    direction = "hconcat" if layout == "wide" else "vconcat"
    return {
        "$schema": SCHEMA,
        "background": "transparent",
        "config": CONFIG,
        **top,
        direction: views,
    }


def _sigmoid_curve(low, high):
    return {
        "data": {"sequence": {"start": low, "stop": high + 0.025, "step": 0.05}},
        "transform": [{"calculate": "1 / (1 + exp(-datum.data))", "as": "p"}],
        "mark": {"type": "line", "color": BAR, "strokeWidth": 2},
        "encoding": {
            "x": {
                "field": "data",
                "type": "quantitative",
                "scale": {"domain": [low, high]},
            },
            "y": {"field": "p", "type": "quantitative"},
        },
    }


# ---------------------------------------------------------------------------
# Chapter 1: logits and probabilities
# ---------------------------------------------------------------------------


def logit_and_probability(hand_logits=(2.0, 1.0, -1.0), class_names=None):
    """A logit's probability, odds and place on the sigmoid; a softmax
    that a constant added to every logit does not move.

    Parameters
    ----------
    hand_logits : sequence of float
        The three logits of the right-hand view.
    class_names : sequence of str, optional
        Their classes; default chapter 1's iris species.

    Returns
    -------
    Explorable

    Examples
    --------
    >>> logit_and_probability()
    Explorable('logit-and-probability')
    """
    hand_logits = [float(z) for z in hand_logits]
    if class_names is None:
        class_names = ["setosa", "versicolor", "virginica"]
    if len(class_names) != len(hand_logits):
        raise ValueError(
            f"need one class name per logit: {len(hand_logits)} logits, "
            f"{len(class_names)} names"
        )
    start = 1.5
    params = [
        _slider("logit", "logit z ", -6, 6, 0.25, start),
        _slider("shift", "add c to every logit ", -4, 4, 0.5, 0),
    ]
    specs = {}
    for layout in LAYOUTS:
        width = VIEW_WIDTH[layout]
        point = {
            "data": {"values": [{}]},
            "transform": [
                {"calculate": "logit", "as": "z"},
                {"calculate": "1 / (1 + exp(-logit))", "as": "p"},
            ],
        }
        sigmoid_view = {
            "title": "One logit: probability and odds",
            "width": width,
            "height": VIEW_HEIGHT,
            "layer": [
                {
                    **_sigmoid_curve(-6, 6),
                    "encoding": {
                        "x": {
                            "field": "data",
                            "type": "quantitative",
                            "scale": {"domain": [-6, 6]},
                            "title": "logit z",
                        },
                        "y": {
                            "field": "p",
                            "type": "quantitative",
                            "scale": {"domain": [0, 1]},
                            "title": "probability σ(z)",
                        },
                    },
                },
                {
                    **point,
                    "mark": {"type": "rule", "color": HIGHLIGHT, "strokeDash": [4, 3],
                             "aria": False},
                    "encoding": {
                        "x": {"field": "z", "type": "quantitative"},
                        "y": {"field": "p", "type": "quantitative"},
                        "y2": {"datum": 0},
                    },
                },
                _marked_point(point),
                {
                    "data": point["data"],
                    **_readouts(
                        "sigmoid_readout",
                        [
                            "'z = ' + format(datum.z, '.2f')",
                            "'σ(z) = ' + format(datum.p, '.4f')",
                            "'odds = exp(z) = ' + format(exp(datum.z), '.4r')",
                        ],
                        transform=point["transform"],
                    ),
                },
            ],
        }
        logits_data = {
            "values": [
                {"class": name, "z": z} for name, z in zip(class_names, hand_logits, strict=True)
            ]
        }
        softmax_transform = [
            {"calculate": "datum.z + shift", "as": "shifted"},
            {
                "joinaggregate": [
                    {"op": "max", "field": "shifted", "as": "m"},
                    {"op": "max", "field": "z", "as": "m0"},
                ]
            },
            {"calculate": "exp(datum.shifted - datum.m)", "as": "e"},
            {"calculate": "exp(datum.z - datum.m0)", "as": "e0"},
            {
                "joinaggregate": [
                    {"op": "sum", "field": "e", "as": "s"},
                    {"op": "sum", "field": "e0", "as": "s0"},
                ]
            },
            {"calculate": "datum.e / datum.s", "as": "prob"},
            {"calculate": "datum.m + log(datum.s)", "as": "lse"},
            {"calculate": "datum.m0 + log(datum.s0) + shift", "as": "lse_plus_c"},
        ]
        x_class = {
            "field": "class",
            "type": "nominal",
            "sort": None,
            "title": None,
            "axis": {"labelAngle": 0},
        }
        softmax_view = {
            "title": "Three logits plus c: the softmax",
            "width": width,
            "height": VIEW_HEIGHT,
            "data": logits_data,
            "transform": softmax_transform,
            "layer": [
                {
                    "mark": {"type": "bar", "color": BAR},
                    "encoding": {
                        "x": x_class,
                        "y": {
                            "field": "prob",
                            "type": "quantitative",
                            "scale": {"domain": [0, 1]},
                            "title": "softmax probability",
                        },
                    },
                },
                _bar_labels("softmax_labels", x_class, "prob"),
                _readouts(
                    "softmax_readout",
                    [
                        "'z + c = (' + "
                        + " + ', ' + ".join(
                            f"format({z!r} + shift, '.2f')" for z in hand_logits
                        )
                        + " + ')'",
                        "'logsumexp(z + c) = ' + format(datum.lse, '.4f')",
                        "'logsumexp(z) + c = ' + format(datum.lpc, '.4f')",
                    ],
                    transform=[
                        {
                            "aggregate": [
                                {"op": "max", "field": "lse", "as": "lse"},
                                {"op": "max", "field": "lse_plus_c", "as": "lpc"},
                            ]
                        }
                    ],
                    x=width - 6,
                    align="right",
                ),
            ],
        }
        specs[layout] = _arrange(
            [sigmoid_view, softmax_view],
            layout,
            params=params,
            description=(
                "Left: the sigmoid curve with a point at the chosen logit z "
                "and its probability and odds. Right: softmax bars of three "
                "logits shifted by c."
            ),
        )
    return Explorable(
        name="logit-and-probability",
        caption=(
            "Move z: the point runs along the sigmoid, the odds are e to "
            "the z, and each step of 1 multiplies them by e. Move c: every "
            "logit moves by c, logsumexp moves by exactly c, and the "
            "softmax bars stay where they are."
        ),
        alt=(
            f"A sigmoid curve with a marked point at logit {_number(start, 'g')}"
            f" (probability {_number(logitutils.sigmoid(start), '.4f')}, odds"
            f" {_number(np.exp(start), '#.4g')}) beside softmax bars for the"
            f" logits {_numbers(hand_logits, 'g')} (probabilities"
            f" {_numbers(logitutils.softmax(hand_logits), '.4f')}) and their"
            " logsumexp."
        ),
        specs=specs,
    )


# ---------------------------------------------------------------------------
# Chapters 2-3: softmax and decisions
# ---------------------------------------------------------------------------


def _logit_sliders(values, names, low, high, step=0.1):
    return [
        _slider(f"z{i}", f"logit of {name} ", low, high, step, value)
        for i, (name, value) in enumerate(zip(names, values, strict=True))
    ]


def _logits_from_sliders(names):
    # One datum per class whose logit is the slider's current value.
    return [
        {
            "calculate": " : ".join(
                [f"datum.i == {i} ? z{i}" for i in range(len(names) - 1)]
                + [f"z{len(names) - 1}"]
            ),
            "as": "z",
        }
    ]


def softmax_decisions():
    """Softmax bars under a temperature, with the argmax, the top-k and a
    binary threshold on the logit scale.

    Returns
    -------
    Explorable

    Examples
    --------
    >>> softmax_decisions().name
    'softmax-decisions'
    """
    names = ["A", "B", "C", "D"]
    start, top_k, threshold = [2.0, 1.2, 0.3, -1.0], 2, 0.5
    params = _logit_sliders(start, names, -4, 4) + [
        _slider("temperature", "temperature T ", 0.2, 5, 0.1, 1),
        _slider("top_k", "top-k: k ", 1, len(names), 1, top_k),
        _slider("threshold", "threshold t on σ(logit of A) ", 0.05, 0.95, 0.05,
                threshold),
    ]
    data = {"values": [{"i": i, "class": name} for i, name in enumerate(names)]}
    x_class = {"field": "class", "type": "nominal", "sort": None, "title": None,
               "axis": {"labelAngle": 0}}
    specs = {}
    for layout in LAYOUTS:
        width = VIEW_WIDTH[layout]
        softmax_view = {
            "title": "softmax(z / T), argmax and top-k",
            "width": width,
            "height": VIEW_HEIGHT,
            "data": data,
            "transform": _logits_from_sliders(names)
            + [
                {"calculate": "datum.z / temperature", "as": "s"},
                {"joinaggregate": [{"op": "max", "field": "s", "as": "m"}]},
                {"calculate": "exp(datum.s - datum.m)", "as": "e"},
                {"joinaggregate": [{"op": "sum", "field": "e", "as": "total"}]},
                {"calculate": "datum.e / datum.total", "as": "prob"},
                # Ranked on the logits themselves: ties share a rank, so a
                # class tied with the k-th largest is in the top-k, as in
                # logitutils.top_k_filter.
                {
                    "window": [{"op": "rank", "as": "rank"}],
                    "sort": [{"field": "z", "order": "descending"}],
                },
                {"calculate": "datum.rank <= top_k", "as": "in_top_k"},
            ],
            "layer": [
                {
                    "mark": {"type": "bar"},
                    "encoding": {
                        "x": x_class,
                        "y": {"field": "prob", "type": "quantitative",
                              "scale": {"domain": [0, 1]},
                              "title": "probability"},
                        "color": {
                            "condition": {"test": "datum.in_top_k",
                                          "value": BAR},
                            "value": MUTED,
                        },
                    },
                },
                _bar_labels("softmax_labels", x_class, "prob"),
                _readouts(
                    "argmax_readout",
                    ["'argmax: ' + join(sort(pluck(datum.best, 'class')), ', ')"],
                    transform=[
                        {"filter": "datum.rank == 1"},
                        {"aggregate": [{"op": "values", "field": "class",
                                        "as": "best"}]},
                    ],
                    x=width - 6,
                    align="right",
                ),
                _readouts(
                    "top_k_readout",
                    [
                        "'top-' + format(top_k, 'd') + ': '"
                        " + join(sort(pluck(datum.kept, 'class')), ', ')",
                    ],
                    transform=[
                        {"filter": "datum.in_top_k"},
                        {"aggregate": [{"op": "values", "field": "class",
                                        "as": "kept"}]},
                    ],
                    x=width - 6,
                    top=31,
                    align="right",
                ),
            ],
        }
        point = {
            "data": {"values": [{}]},
            "transform": [
                {"calculate": "z0", "as": "z"},
                {"calculate": "1 / (1 + exp(-z0))", "as": "p"},
                {"calculate": "log(threshold / (1 - threshold))", "as": "cut"},
            ],
        }
        threshold_view = {
            "title": "A binary threshold on the logit scale",
            "width": width,
            "height": VIEW_HEIGHT,
            "layer": [
                {
                    **_sigmoid_curve(-4, 4),
                    "encoding": {
                        "x": {"field": "data", "type": "quantitative",
                              "scale": {"domain": [-4, 4]},
                              "title": "logit of A, read as a binary logit"},
                        "y": {"field": "p", "type": "quantitative",
                              "scale": {"domain": [0, 1]},
                              "title": "σ(z)"},
                    },
                },
                {
                    **point,
                    "mark": {"type": "rule", "color": MUTED,
                             "strokeDash": [4, 3], "aria": False},
                    "encoding": {"y": {"field": "t", "type": "quantitative"}},
                    "transform": point["transform"]
                    + [{"calculate": "threshold", "as": "t"}],
                },
                {
                    **point,
                    "mark": {"type": "rule", "color": MUTED,
                             "strokeDash": [4, 3], "aria": False},
                    "encoding": {"x": {"field": "cut", "type": "quantitative"}},
                },
                _marked_point(point),
                {
                    "data": point["data"],
                    # predict_binary's rule: positive when z > logit(t).
                    **_readouts(
                        "threshold_readout",
                        [
                            "'t = ' + format(threshold, '.2f')"
                            " + ', logit(t) = ' + format(datum.cut, '.4f')",
                            "'σ(' + format(z0, '.2f') + ') = '"
                            " + format(datum.p, '.4f')",
                            "z0 > datum.cut ? 'decision: positive'"
                            " : 'decision: negative'",
                        ],
                        transform=point["transform"],
                    ),
                },
            ],
        }
        specs[layout] = _arrange(
            [softmax_view, threshold_view],
            layout,
            params=params,
            description=(
                "Left: softmax bars of four logits at temperature T, the "
                "top-k in blue, with the argmax and the top-k named. Right: "
                "the logit of A on the sigmoid with the threshold t and "
                "its logit."
            ),
        )
    return Explorable(
        name="softmax-decisions",
        caption=(
            "Move T: the bars sharpen below 1 and flatten above it, but the "
            "argmax and the top-k, read from the logits, never change. "
            "Move t: the threshold on the probability is the threshold "
            "log(t / (1 − t)) on the logit, so the decision needs no "
            "sigmoid."
        ),
        alt=(
            f"Softmax bars for the logits {_numbers(start, 'g')} at"
            f" temperature 1 ({_numbers(logitutils.softmax(start), '.4f')}),"
            f" the top-{top_k} "
            + ", ".join(
                name
                for name, kept in zip(
                    names, np.isfinite(logitutils.top_k_filter(start, top_k)),
                    strict=True,
                )
                if kept
            )
            + " in blue; beside it the sigmoid with A's logit"
            f" {_number(start[0], 'g')} at probability"
            f" {_number(logitutils.sigmoid(start[0]), '.4f')}, and the"
            f" threshold {_number(threshold, 'g')}, whose logit is"
            f" {_number(logitutils.logit(threshold), '.4f')}."
        ),
        specs=specs,
    )


# ---------------------------------------------------------------------------
# Chapter 4: losses from logits
# ---------------------------------------------------------------------------


def losses_from_logits():
    """One example's cross-entropy and its gradient softmax − one-hot; with
    a switch, the loss of a softmax applied twice and its floor.

    Returns
    -------
    Explorable

    Examples
    --------
    >>> losses_from_logits().name
    'losses-from-logits'
    """
    names = ["A", "B", "C", "D"]
    n_classes = len(names)
    start, true_class = [1.0, 2.5, -0.5, 0.0], 0
    params = _logit_sliders(start, names, -5, 5) + [
        {
            "name": "true_class",
            "value": true_class,
            "bind": {
                "input": "select",
                "options": list(range(n_classes)),
                "labels": names,
                "name": "true class ",
            },
        },
        {
            "name": "softmax_first",
            "value": False,
            "bind": {"input": "checkbox",
                     "name": "show a softmax applied before the loss "},
        },
    ]
    data = {"values": [{"i": i, "class": name} for i, name in enumerate(names)]}
    # Both losses from one pass: p = softmax(z), then q = softmax(p), the
    # second softmax the bug applies to probabilities.
    losses = _logits_from_sliders(names) + [
        {"joinaggregate": [{"op": "max", "field": "z", "as": "m"}]},
        {"calculate": "exp(datum.z - datum.m)", "as": "e"},
        {"joinaggregate": [{"op": "sum", "field": "e", "as": "total"}]},
        {"calculate": "datum.e / datum.total", "as": "p"},
        {"calculate": "datum.p - (datum.i == true_class ? 1 : 0)",
         "as": "gradient"},
        {"calculate": "exp(datum.p)", "as": "ep"},
        {"joinaggregate": [{"op": "sum", "field": "ep", "as": "total_p"}]},
    ]
    x_class = {"field": "class", "type": "nominal", "sort": None, "title": None,
               "axis": {"labelAngle": 0}}
    # The double softmax's floor, log(1 + (C - 1)/e), shown with the switch.
    floor = [
        {"filter": "softmax_first"},
        {"calculate": f"log(1 + ({n_classes} - 1) / exp(1))", "as": "floor"},
    ]
    specs = {}
    for layout in LAYOUTS:
        width = VIEW_WIDTH[layout]
        gradient_view = {
            "title": "Gradient of the loss: softmax − one-hot",
            "width": width,
            "height": VIEW_HEIGHT,
            "data": data,
            "transform": losses,
            "layer": [
                {
                    "mark": {"type": "bar"},
                    "encoding": {
                        "x": x_class,
                        "y": {"field": "gradient", "type": "quantitative",
                              "scale": {"domain": [-1, 1]},
                              "title": "∂ loss / ∂ logit"},
                        "color": {
                            "condition": {"test": "datum.i == true_class",
                                          "value": HIGHLIGHT},
                            "value": BAR,
                        },
                    },
                },
                {
                    "name": "gradient_labels",
                    "mark": {"type": "text"},
                    "encoding": {
                        "x": x_class,
                        "y": {"value": 10},
                        "text": {"field": "gradient", "type": "quantitative",
                                 "format": "+.4f"},
                    },
                },
            ],
        }
        loss_rows = losses + [
            {"filter": "datum.i == true_class"},
            {"calculate": "-log(datum.p)", "as": "cross_entropy"},
            {"calculate": "-log(datum.ep / datum.total_p)", "as": "double"},
            {"fold": ["cross_entropy", "double"], "as": ["loss", "value"]},
            {"filter": "softmax_first || datum.loss == 'cross_entropy'"},
            {
                "calculate": "datum.loss == 'double' ? 'softmax first'"
                " : 'cross-entropy'",
                "as": "name",
            },
        ]
        x_loss = {"field": "name", "type": "nominal", "sort": None,
                  "title": None, "axis": {"labelAngle": 0},
                  "scale": {"domain": ["cross-entropy", "softmax first"]}}
        loss_view = {
            "title": "Loss of this example",
            "width": width,
            "height": VIEW_HEIGHT,
            "data": data,
            "transform": loss_rows,
            "layer": [
                {
                    "mark": {"type": "bar"},
                    "encoding": {
                        "x": x_loss,
                        "y": {"field": "value", "type": "quantitative",
                              "scale": {"domain": [0, 10], "clamp": True},
                              "title": "loss"},
                        "color": {
                            "condition": {"test": "datum.loss == 'double'",
                                          "value": MUTED},
                            "value": BAR,
                        },
                    },
                },
                _bar_labels("loss_labels", x_loss, "value"),
                {
                    "data": {"values": [{}]},
                    "transform": floor,
                    "mark": {"type": "rule", "color": HIGHLIGHT,
                             "strokeDash": [4, 3], "aria": False},
                    "encoding": {"y": {"field": "floor",
                                       "type": "quantitative"}},
                },
                {
                    "data": {"values": [{}]},
                    **_readouts(
                        "floor_readout",
                        ["'floor log(1 + (C − 1)/e) = '"
                         " + format(datum.floor, '.4f')"],
                        transform=floor,
                        x=width - 6,
                        align="right",
                    ),
                },
            ],
        }
        specs[layout] = _arrange(
            [gradient_view, loss_view],
            layout,
            params=params,
            description=(
                "Left: the gradient of the cross-entropy with respect to "
                "each of four logits, softmax minus one-hot, the true class "
                "in red. Right: the loss, and with the switch on, the loss "
                "of a softmax applied before it and that loss's floor."
            ),
        )
    gradient = logitutils.softmax(start) - np.eye(n_classes)[true_class]
    loss = logitutils.cross_entropy(np.array([start]), np.array([true_class]))
    return Explorable(
        name="losses-from-logits",
        caption=(
            "Move the true class's logit up: its gradient bar rises toward 0 "
            "and the loss falls toward 0. Switch on the softmax applied "
            "first: that loss cannot go below its floor, however large the "
            "true logit becomes."
        ),
        alt=(
            f"Gradient bars for the logits {_numbers(start, 'g')} with true"
            f" class {names[true_class]}"
            f" ({_numbers(gradient, '+.4f')}) and a bar for the"
            f" cross-entropy {_number(loss, '.4f')}."
        ),
        specs=specs,
    )


# ---------------------------------------------------------------------------
# Chapter 7: decoding
# ---------------------------------------------------------------------------


def decoding(logits, tokens, *, shown=None):
    """Temperature, top-k and top-p applied to one next-token distribution.

    Parameters
    ----------
    logits : array_like of float, shape (V,)
        The model's next-token logits; rounded to 2 decimals, which every
        number the figure shows is computed from.
    tokens : sequence of str, length V
        The token each logit scores, as the figure should print it.
    shown : int, optional
        How many of the most likely tokens get a bar; the filters and the
        renormalisation use all V. Default ``min(12, V)``.

    Returns
    -------
    Explorable

    Examples
    --------
    >>> decoding([2.0, 1.0, 0.5], ["a", "b", "c"]).name
    'decoding'
    """
    z = np.asarray(logits, dtype=np.float64)
    if z.ndim != 1 or z.size < 2:
        raise ValueError(f"logits must have shape (V,) with V >= 2, got {z.shape}")
    if not np.all(np.isfinite(z)):
        raise ValueError("logits must be finite")
    if len(tokens) != z.size:
        raise ValueError(
            f"need one token per logit: {z.size} logits, {len(tokens)} tokens"
        )
    if shown is None:
        shown = min(12, z.size)
    if not 1 <= shown <= z.size:
        raise ValueError(f"shown must be in [1, {z.size}], got {shown}")
    n_tokens = z.size
    rounded = [round(float(v), DECODING_DECIMALS) for v in z]
    order = sorted(range(n_tokens), key=lambda i: -rounded[i])
    rank_shown = {i: r for r, i in enumerate(order[:shown])}
    values = [
        {"token": str(tokens[i]), "z": rounded[i], "shown": rank_shown.get(i, -1)}
        for i in range(n_tokens)
    ]
    params = [
        _slider("temperature", "temperature T ", 0.1, 3, 0.05, 1),
        _slider("top_k", "top-k: k ", 1, n_tokens, 1, n_tokens),
        _slider("top_p", "top-p: p ", 0.05, 1, 0.01, 1),
    ]
    transform = [
        {"calculate": "datum.z / temperature", "as": "s"},
        {"joinaggregate": [{"op": "max", "field": "s", "as": "m"}]},
        {"calculate": "exp(datum.s - datum.m)", "as": "e"},
        {"joinaggregate": [{"op": "sum", "field": "e", "as": "all"}]},
        {"calculate": "datum.e / datum.all", "as": "before"},
        # Top-k on the logits, ties sharing a rank (logitutils.top_k_filter).
        {"window": [{"op": "rank", "as": "rank"}],
         "sort": [{"field": "z", "order": "descending"}]},
        {"calculate": "datum.rank <= top_k ? datum.e : 0", "as": "e_k"},
        {"joinaggregate": [{"op": "sum", "field": "e_k", "as": "all_k"}]},
        {"calculate": "datum.e_k / datum.all_k", "as": "q"},
        # Top-p on the tempered top-k distribution: a token stays when the
        # tokens strictly more likely than it carry less than p. The window
        # sum runs through the token's ties (ignorePeers false), so the
        # mass before it is that sum minus its tie group's: tokens tied at
        # the boundary stay together, as in logitutils.top_p_filter.
        {"window": [{"op": "sum", "field": "q", "as": "through"}],
         "sort": [{"field": "q", "order": "descending"}],
         "frame": [None, 0], "ignorePeers": False},
        {"joinaggregate": [{"op": "sum", "field": "q", "as": "tied"}],
         "groupby": ["q"]},
        {"calculate": "datum.q > 0"
         " && (top_p >= 1 || datum.through - datum.tied < top_p)",
         "as": "kept"},
        {"calculate": "datum.kept ? datum.e : 0", "as": "e_kept"},
        {"calculate": "datum.kept ? 1 : 0", "as": "kept_count"},
        {"joinaggregate": [{"op": "sum", "field": "e_kept", "as": "all_kept"},
                           {"op": "sum", "field": "kept_count", "as": "n_kept"}]},
        {"calculate": "datum.e_kept / datum.all_kept", "as": "after"},
    ]
    specs = {}
    for layout in LAYOUTS:
        width = 2 * VIEW_WIDTH[layout] + 60 if layout == "wide" else VIEW_WIDTH[layout]
        y_token = {"field": "token", "type": "nominal",
                   "sort": [str(tokens[i]) for i in order[:shown]],
                   "title": None, "axis": {"labelFontSize": 13}}
        view = {
            "title": "Next character after the chapter's context",
            "width": width,
            "height": 22 * shown,
            "data": {"values": values},
            "transform": transform,
            "layer": [
                {
                    "transform": [{"filter": "datum.shown >= 0"}],
                    "mark": {"type": "bar", "color": MUTED, "opacity": 0.45,
                             "height": {"band": 0.8}},
                    "encoding": {
                        "y": y_token,
                        # Room to the right of a bar of 1 for its label.
                        "x": {"field": "before", "type": "quantitative",
                              "scale": {"domain": [0, 1.15], "nice": False},
                              "axis": {"values": [0, 0.2, 0.4, 0.6, 0.8, 1]},
                              "title": "probability"},
                    },
                },
                {
                    "transform": [{"filter": "datum.shown >= 0 && datum.kept"}],
                    "mark": {"type": "bar", "color": BAR,
                             "height": {"band": 0.45}},
                    "encoding": {"y": y_token,
                                 "x": {"field": "after", "type": "quantitative"}},
                },
                {
                    "name": "kept_labels",
                    "transform": [{"filter": "datum.shown >= 0"}],
                    "mark": {"type": "text", "align": "left", "dx": 4},
                    "encoding": {
                        "y": y_token,
                        "x": {"field": "after", "type": "quantitative"},
                        "text": {
                            "condition": {"test": "datum.kept",
                                          "field": "after", "format": ".3f"},
                            "value": "removed",
                        },
                    },
                },
                _readouts(
                    "decoding_readout",
                    [
                        "'kept: ' + format(datum.n_kept, 'd') + ' of "
                        f"{n_tokens} tokens'"
                    ],
                    transform=[
                        {"aggregate": [{"op": "max", "field": "n_kept",
                                        "as": "n_kept"}]},
                    ],
                    x=width - 6,
                    top=22 * shown - 12,
                    align="right",
                ),
            ],
        }
        specs[layout] = {
            "$schema": SCHEMA,
            "background": "transparent",
            "config": CONFIG,
            "params": params,
            "description": (
                f"Horizontal bars for the {shown} most likely next "
                "characters: grey the tempered probability before any "
                "filter, blue the renormalised probability of the tokens "
                "that top-k and top-p keep."
            ),
            **view,
        }
    top = order[0]
    return Explorable(
        name="decoding",
        caption=(
            "Grey bars: softmax(z / T) over all "
            f"{n_tokens} characters; blue bars and numbers: the "
            "distribution a sampler draws from after top-k and top-p, "
            "renormalised over the tokens they keep. Temperature acts "
            "first, so it changes which tokens the nucleus keeps; top-k "
            "never depends on it."
        ),
        alt=(
            f"Bars for the {shown} most likely next characters at "
            "temperature 1 with no filter; the most likely, "
            f"{tokens[top]}, has probability "
            f"{_number(logitutils.softmax(rounded)[top], '.3f')}."
        ),
        specs=specs,
    )
