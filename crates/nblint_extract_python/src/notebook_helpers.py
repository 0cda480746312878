"""Stand-ins for what the IPython kernel gave the notebook's cells.

The notebook showed rich output (HTML tables, figures) in its page; a script has no page,
so these write that output to files under ``outputs/`` and say so on stderr.
"""

import inspect
import itertools
import sys
import types
from pathlib import Path

OUTPUTS = Path("outputs")
_NUMBERS = itertools.count(1)
# The package these helpers belong to: the notebook's own code, which ran in `__main__`.
_PACKAGE = __name__.rpartition(".")[0]


def _module_name(module):
    """`__main__` for a module of this package, as IPython named what the cells defined."""
    if (
        _PACKAGE
        and module
        and (module == _PACKAGE or module.startswith(_PACKAGE + "."))
    ):
        return "__main__"
    return module


def show(value):
    """Print a cell's result the way IPython's display hook printed it (None is not shown)."""
    if value is not None:
        print(_pretty(value))


def _pretty(value):
    """IPython's text for a value.

    A class prints as its dotted name, a function as ``<function module.name(signature)>``,
    an object with the default repr as ``<module.Class at 0x...>`` (the notebook's own as
    ``__main__``), a list, tuple, set or dict item by item (sets sorted), one
    item per line when it does not fit in 79 columns; anything else as its repr.
    """
    kind = type(value)
    if isinstance(value, type):
        module = _module_name(value.__module__)
        if module == "builtins":
            return value.__qualname__
        return f"{module}.{value.__qualname__}"
    if kind in (list, tuple, set, frozenset, dict):
        return _pretty_container(value, kind)
    if kind is types.FunctionType:
        # IPython's `<function module.name(signature)>`.
        name = getattr(value, "__qualname__", value.__name__)
        module = _module_name(value.__module__)
        if module and module not in ("__builtin__", "builtins", "exceptions"):
            name = f"{module}.{name}"
        try:
            name += str(inspect.signature(value))
        except (TypeError, ValueError):
            pass
        return f"<function {name}>"
    if kind.__repr__ is object.__repr__:
        module = _module_name(kind.__module__)
        return f"<{module}.{kind.__qualname__} at {hex(id(value))}>"
    return repr(value)


def _pretty_container(value, kind):
    if kind is dict:
        items = [f"{_pretty(key)}: {_pretty(item)}" for key, item in value.items()]
        opening, closing = "{", "}"
    elif kind in (set, frozenset):
        # IPython's order: sorted, else sorted by text (`{(1+2j), 1, 2.5, 'a'}`), else as is.
        try:
            elements = sorted(value)
        except Exception:
            try:
                elements = sorted(value, key=str)
            except Exception:
                elements = list(value)
        if not elements:
            return f"{kind.__name__}()"
        items = [_pretty(item) for item in elements]
        opening, closing = ("{", "}") if kind is set else ("frozenset({", "})")
    elif kind is tuple:
        items = [_pretty(item) for item in value]
        opening, closing = "(", ",)" if len(items) == 1 else ")"
    else:
        items = [_pretty(item) for item in value]
        opening, closing = "[", "]"
    text = opening + ", ".join(items) + closing
    if len(text) <= 79 and "\n" not in text:
        return text
    indent = " " * len(opening)
    lines = [item.replace("\n", "\n" + indent) for item in items]
    return opening + (",\n" + indent).join(lines) + closing


def display(*objects, **options):
    """Write each object's HTML (or its text) to a file, as IPython's display() showed it."""
    del options
    OUTPUTS.mkdir(exist_ok=True)
    for shown in objects:
        number = next(_NUMBERS)
        html = getattr(shown, "_repr_html_", None)
        text = html() if callable(html) else None
        if text is None:
            path = OUTPUTS / f"display_{number}.txt"
            path.write_text(repr(shown) + "\n", encoding="utf-8")
        else:
            path = OUTPUTS / f"display_{number}.html"
            path.write_text(text, encoding="utf-8")
        print(f"wrote {path}", file=sys.stderr)


def pandas_options():
    """Show DataFrames as the notebook's kernel did: there pandas shows up to 20 columns,
    wrapped to 80 characters; in a script it would fit them to one line with `...`."""
    try:
        import pandas
    except ImportError:
        return
    pandas.set_option("display.max_columns", 20)


def inline_figures():
    """Make figures the size the notebook's inline backend made them (6x4 inches, 72 dpi)."""
    try:
        import matplotlib
    except ImportError:
        return
    matplotlib.rcParams.update({"figure.figsize": (6.0, 4.0), "figure.dpi": 72})


def save_figures(stem):
    """Save and close the open matplotlib figures, as the inline backend showed them."""
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is None:
        return
    numbers = pyplot.get_fignums()
    if numbers:
        OUTPUTS.mkdir(exist_ok=True)
    for number in numbers:
        path = OUTPUTS / f"{stem}_figure_{number}.png"
        pyplot.figure(number).savefig(path)
        print(f"wrote {path}", file=sys.stderr)
    pyplot.close("all")
