"""Rendering bounded in time and size: the sandbox every template renders in at deploy time.

Jinja2's sandbox stops a template from reaching into Python; it does not stop one from running
for hours or filling memory (`range` loops inside `range` loops, `"x" * 999999999999`,
`"%*s" | format(999999999, "")`, `.center(999999999)`, recursive macros). Here, each render has
a budget, checked on every operation the template can repeat or grow output with:

* at most `MAX_STEPS` steps (a call, an attribute or item lookup, an operator, a loop item
  over `range`, a piece of output, a `namespace` assignment) and `MAX_SECONDS` of wall time;
* no text or list over `MAX_OUTPUT` characters or items — checked *before* the operations
  that multiply sizes (`*`, `**`, `%`, `+`, padding, `replace`, `format`), after the others;
* no width, padding or repeat count over `MAX_WIDTH`;
* recursion stops at Python's limit; printing a function or an object (whose text would be a
  memory address) is refused; `lipsum` (random text) is not there.

Whatever goes wrong comes out as a RenderError naming the message. What is not bounded: a loop
over the app's own inputs that does nothing (its cost is the size of those inputs).
"""

from __future__ import annotations

import contextvars
import dataclasses
import functools
import math
import re
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from jinja2.exceptions import SecurityError, TemplateError, UndefinedError
from jinja2.runtime import Namespace, Undefined
from jinja2.sandbox import ImmutableSandboxedEnvironment, safe_range

from registry.common.errors import RenderError

MAX_STEPS = 2_000_000
MAX_SECONDS = 5.0
MAX_OUTPUT = 16 * 1024 * 1024
MAX_WIDTH = 1024 * 1024
_WIDTH = re.compile(r"%[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?[a-zA-Z%]|\{[^{}]*:[^{}]*?(\d+)[^{}]*\}")


@dataclasses.dataclass
class Budget:
    deadline: float
    steps: int = 0


_BUDGET: contextvars.ContextVar[Budget | None] = contextvars.ContextVar("budget", default=None)


def step(n: int = 1) -> None:
    """Spend `n` steps of the current render's budget (no budget: not rendering)."""
    budget = _BUDGET.get()
    if budget is None:
        return
    budget.steps += n
    if budget.steps > MAX_STEPS:
        raise SecurityError(f"the template ran past its budget of {MAX_STEPS:,} steps")
    if budget.steps & 0x3FF == 0 and time.monotonic() > budget.deadline:
        raise SecurityError(f"the template ran past its budget of {MAX_SECONDS:g} s")


def _size(value: Any) -> int:
    return len(value) if isinstance(value, (str, list, tuple, dict)) else 0


def _numbers(*values: Any) -> bool:
    return all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)


def _check_size(size: int) -> None:
    if size > MAX_OUTPUT:
        raise SecurityError(f"a value of {size:,} characters or items, over {MAX_OUTPUT:,}")


def _check_width(value: Any) -> None:
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_WIDTH:
        raise SecurityError(f"a width or count of {value:,}, over {MAX_WIDTH:,}")


def _check_format(fmt: Any, args: Any = ()) -> None:
    """A %-format or {}-format string's widths and precisions, and `*` arguments."""
    if not isinstance(fmt, str):
        return
    for match in _WIDTH.finditer(fmt):
        for width in match.groups():
            if width and width != "*":
                _check_width(int(width))
    for arg in args if isinstance(args, (tuple, list)) else (args,):
        _check_width(arg)


def _binop(operator: str, left: Any, right: Any) -> None:
    """Refuse an operation whose result would be too large, before it is computed."""
    if operator == "*":
        for seq, n in ((left, right), (right, left)):
            if _size(seq) and isinstance(n, int):
                _check_width(n)
                _check_size(_size(seq) * max(n, 0))
    elif operator == "**" and _numbers(left, right) and abs(left) > 1 and right > 0:
        if right * math.log2(abs(left)) > 100_000:  # bits of the result
            raise SecurityError(f"{left!r} ** {right!r} is too large a number")
    elif operator == "%":
        _check_format(left, right)
    elif operator == "+":
        _check_size(_size(left) + _size(right))


_PADDING = frozenset({"center", "ljust", "rjust", "zfill", "expandtabs"})


def _before_call(obj: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    name = getattr(obj, "__name__", "")
    owner = getattr(obj, "__self__", None)
    if isinstance(owner, str) and name in _PADDING:
        for arg in (*args, *kwargs.values()):
            _check_width(arg)
    elif isinstance(owner, str) and name == "replace" and len(args) >= 2:
        old, new = args[0], args[1]
        if isinstance(old, str) and isinstance(new, str):
            times = len(owner) + 1 if not old else owner.count(old)
            _check_size(len(owner) + times * max(len(new) - len(old), 0))
    elif name in ("format", "format_map") and isinstance(owner, str):
        _check_format(owner)


def _bounded_filter(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    """A filter that spends a step, refuses huge widths, and checks the size it returns."""

    first = 1 if getattr(fn, "jinja_pass_arg", None) is not None else 0  # after a context

    def bounded(*args: Any, **kwargs: Any) -> Any:
        step()
        value, rest = (args[first], args[first + 1 :]) if len(args) > first else (None, ())
        for arg in (*rest, *kwargs.values()):
            _check_width(arg)
        if name == "format":
            _check_format(value, rest)
        if name == "replace" and len(rest) >= 2:
            _before_call(getattr(value, "replace", None), rest[:2], {})
        result = fn(*args, **kwargs)
        _check_size(_size(result))
        return result

    for attr in ("jinja_pass_arg", "__name__", "__doc__"):
        if hasattr(fn, attr):
            setattr(bounded, attr, getattr(fn, attr))
    return bounded


class _Range:
    """`range` for templates: at most Jinja's MAX_RANGE items, a step per item iterated."""

    def __init__(self, *args: int) -> None:
        self.items = safe_range(*args)

    def __iter__(self) -> Iterator[int]:
        for item in self.items:
            step()
            yield item

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: Any) -> Any:
        return self.items[index]

    def __contains__(self, item: object) -> bool:
        return item in self.items


class _Namespace(Namespace):
    """`namespace()` whose assignments spend a step and are size-checked (a loop that doubles
    a string held in a namespace stops at MAX_OUTPUT)."""

    def __setitem__(self, name: str, value: Any) -> None:
        step()
        _check_size(_size(value))
        super().__setitem__(name, value)


_PLAIN = (str, int, float, bool, type(None))


def _finalize(value: Any) -> Any:
    """What `{{ … }}` may print: plain data only (a function or an object prints a memory
    address, never something a prompt should carry)."""
    if isinstance(value, Undefined):
        return value  # StrictUndefined: printing it names the missing variable
    if not _plain_data(value, 0):
        raise SecurityError(f"cannot print a {type(value).__name__}: not plain data")
    return value


def _plain_data(value: Any, depth: int) -> bool:
    if isinstance(value, _PLAIN):
        return True
    if depth > 20:
        return False
    if isinstance(value, (list, tuple)):
        return all(_plain_data(v, depth + 1) for v in value)
    if isinstance(value, dict):
        return all(
            _plain_data(k, depth + 1) and _plain_data(v, depth + 1) for k, v in value.items()
        )
    return False


class BoundedSandbox(ImmutableSandboxedEnvironment):
    """Jinja2's immutable sandbox with the budget of this module on every hook it offers."""

    intercepted_binops = frozenset({"*", "**", "%", "+"})

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(finalize=_finalize, **kwargs)
        self.globals.pop("lipsum", None)
        self.globals["range"] = _Range
        self.globals["namespace"] = _Namespace
        self.filters = {name: _bounded_filter(name, fn) for name, fn in self.filters.items()}

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        step()
        _binop(operator, left, right)
        return super().call_binop(context, operator, left, right)

    def getattr(self, obj: Any, attribute: str) -> Any:
        step()
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        step()
        return super().getitem(obj, argument)

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        """`str.format` goes through here (not `call`): its widths are checked first."""
        wrapped = super().wrap_str_format(value)
        if wrapped is not None:
            _check_format(value.__self__)
        return wrapped

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        step()
        _before_call(__obj, args, kwargs)
        result = super().call(__context, __obj, *args, **kwargs)
        _check_size(_size(result))
        return result


@functools.lru_cache(maxsize=128)
def _compiled(env: ImmutableSandboxedEnvironment, source: str) -> Any:
    """A template compiled once: an app (or an eval) renders the same few messages on every
    request, and compiling costs more than rendering. Compiled templates are immutable, so
    threads share them."""
    return env.from_string(source)


def render_bounded(
    env: ImmutableSandboxedEnvironment, source: str, inputs: Mapping[str, Any], where: str
) -> str:
    """One template rendered within the budget; every failure is a RenderError."""
    token = _BUDGET.set(Budget(time.monotonic() + MAX_SECONDS))
    try:
        pieces: list[str] = []
        total = 0
        for piece in _compiled(env, source).generate(**inputs):
            step()
            total += len(piece)
            _check_size(total)
            pieces.append(piece)
        return "".join(pieces)
    except UndefinedError as exc:
        raise RenderError(f"{where}: {exc.message}") from None
    except SecurityError as exc:
        raise RenderError(f"{where}: blocked by the sandbox: {exc}") from None
    except TemplateError as exc:
        raise RenderError(f"{where}: template error: {exc.message}") from None
    except RecursionError:
        raise RenderError(f"{where}: the template recursed too deeply") from None
    except TypeError as exc:
        if "no loader" not in str(exc):
            raise RenderError(f"{where}: TypeError: {exc}") from None
        raise RenderError(
            f"{where}: an include that was not inlined (`registry check` says why)"
        ) from None
    except MemoryError:
        raise RenderError(f"{where}: the template ran out of memory") from None
    except Exception as exc:  # noqa: BLE001 - whatever the template raises (1/0, split("")...)
        raise RenderError(f"{where}: {type(exc).__name__}: {exc}") from None
    finally:
        _BUDGET.reset(token)
