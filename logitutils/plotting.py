"""One figure style for every chapter of the book.

Chapters call :func:`use_book_style` once, so all figures share sizes, fonts,
colours and resolution, and the built pages stay light.
"""

try:
    import matplotlib as mpl
except ImportError as exc:  # matplotlib is the optional extra "plot"
    raise ImportError(
        "logitutils.plotting needs matplotlib, which logitutils does not "
        "install by default; install it with: pip install 'logitutils[plot]'"
    ) from exc

__all__ = ["BOOK_COLORS", "use_book_style"]

#: Colour-blind-safe palette (Okabe & Ito), in the order plots use it.
BOOK_COLORS = (
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#009E73",  # green
    "#CC79A7",  # purple
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#F0E442",  # yellow
    "#000000",  # black
)

_BOOK_RC = {
    "figure.figsize": (6.4, 3.6),
    # 100 dpi keeps PNGs sharp on screen and small on disk.
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "figure.constrained_layout.use": True,
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.prop_cycle": mpl.cycler(color=BOOK_COLORS),
    "lines.linewidth": 2.0,
    "legend.frameon": False,
}


def use_book_style() -> None:
    """Apply the book's matplotlib style to all later figures.

    Examples
    --------
    >>> import matplotlib as mpl
    >>> from logitutils.plotting import use_book_style, BOOK_COLORS
    >>> use_book_style()
    >>> mpl.rcParams["axes.prop_cycle"].by_key()["color"][0] == BOOK_COLORS[0]
    True
    """
    mpl.rcParams.update(_BOOK_RC)
