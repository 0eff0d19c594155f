"""Message templates (product MSG-7): sandboxed Jinja2, escaped in email, never "Hi ,".

Missing data: a field that is absent, None or blank counts as missing. A template may give a
fallback (``{{ first_name | default("there") }}``, ``{{ first_name or "there" }}`` or an
``{% if first_name %}`` block); a missing field used without one means the message is not
rendered at all: ``Rendered.text`` is None and ``skip_reason`` says which field ("missing first
name"), so the campaign skips that patient with a reason instead of sending a broken text.

Safety: templates are written by staff, so they run in Jinja2's immutable sandbox, and any access
to an attribute or key starting with ``_`` (``{{ ''.__class__ }}``) is refused before the template
runs. SMS text is rendered without escaping; HTML (email) with autoescaping.

Pure: no I/O.
"""

from __future__ import annotations

import contextvars
import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from jinja2 import Template, TemplateError, TemplateSyntaxError, Undefined, meta, nodes
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import missing

VARIABLES: dict[str, str] = {
    "first_name": "first name",
    "preferred_name": "preferred name",
    "last_name": "last name",
    "practice_name": "practice name",
    "location_name": "location name",
    "location_phone": "location phone",
    "appointment_date": "appointment date",
    "appointment_time": "appointment time",
    "provider_name": "provider name",
    "portal_link": "portal link",
    "recall_due_date": "recall due date",
}


class TemplateProblem(ValueError):
    """The template itself is broken or unsafe (not a data problem): staff must fix it."""


@dataclass(frozen=True)
class Rendered:
    text: str | None  # None when skipped
    missing: tuple[str, ...]  # names of the fields that were missing with no fallback
    skip_reason: str | None  # "missing first name" when skipped


# The fields one render() used without a fallback. A context variable, so concurrent renders on
# other threads keep their own list.
_USED_MISSING: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar("_USED_MISSING", default=None)


class _MissingField(Undefined):
    """Undefined that notes a missing top-level field when it is printed.

    Tests (``if``, ``or``) and ``default()`` see it as missing without printing it, so they count
    as fallbacks. Anything else undefined (a missing attribute of a real value, a sandbox refusal)
    raises instead of printing nothing.
    """

    __slots__ = ()

    def _is_field(self) -> bool:
        return self._undefined_obj is missing and self._undefined_hint is None and self._undefined_name is not None

    def __str__(self) -> str:
        if not self._is_field():
            self._fail_with_undefined_error()
        used = _USED_MISSING.get()
        if used is not None:
            used.append(self._undefined_name or "")
        return ""

    def __bool__(self) -> bool:
        if not self._is_field():
            self._fail_with_undefined_error()
        return False

    def __iter__(self):
        if not self._is_field():
            self._fail_with_undefined_error()
        return iter(())


_MAX_SIZE = 10_000  # longest string or list a template may build with * (a message is far shorter)


class _Sandbox(ImmutableSandboxedEnvironment):
    """The immutable sandbox, with ``*`` and ``**`` kept from building huge values."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context, operator, left, right):
        if operator == "**" and isinstance(right, int | float) and abs(right) > 100:
            raise SecurityError("the exponent is too large")
        if operator == "*":
            for seq, count in ((left, right), (right, left)):
                if isinstance(seq, str | list | tuple) and isinstance(count, int) and len(seq) * count > _MAX_SIZE:
                    raise SecurityError("the repeated text is too long")
        return super().call_binop(context, operator, left, right)


def _environment(html: bool) -> ImmutableSandboxedEnvironment:
    return _Sandbox(autoescape=html, undefined=_MissingField, keep_trailing_newline=True)


_TEXT_ENV = _environment(html=False)
_HTML_ENV = _environment(html=True)


def label(name: str) -> str:
    """The human label of a field ("first name"); unknown names are spelt out."""
    return VARIABLES.get(name, name.replace("_", " "))


def _refusals(ast: nodes.Template) -> list[str]:
    problems = []
    for node in ast.find_all((nodes.Getattr, nodes.Getitem)):
        if isinstance(node, nodes.Getattr):
            attr = node.attr
        elif isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
            attr = node.arg.value
        else:
            continue
        if attr.startswith("_"):
            problems.append(f"line {node.lineno}: '{attr}' is not allowed in a template (internal attribute).")
    return problems


@lru_cache(maxsize=256)
def _compile(template: str, html: bool) -> Template:
    env = _HTML_ENV if html else _TEXT_ENV
    try:
        ast = env.parse(template)
        refused = _refusals(ast)
        if refused:
            raise TemplateProblem(" ".join(refused))
        return env.from_string(ast)
    except TemplateSyntaxError as exc:
        raise TemplateProblem(f"line {exc.lineno}: {exc.message}") from None


def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def render(template: str, values: Mapping[str, object], *, html: bool = False) -> Rendered:
    """Render ``template`` with ``values``; skip (text None) when a field is missing without a fallback.

    Raises TemplateProblem for a broken or unsafe template (see ``check_template``).
    """
    compiled = _compile(template, html)
    context = {k: v.strip() if isinstance(v, str) else v for k, v in values.items() if not _is_blank(v)}
    used: list[str] = []
    token = _USED_MISSING.set(used)
    try:
        text = str(compiled.render(context))
    except SecurityError as exc:
        raise TemplateProblem(f"The template was refused: {exc}") from None
    except (TemplateError, TypeError, ValueError, ArithmeticError, LookupError) as exc:
        raise TemplateProblem(f"The template could not be filled in: {exc}") from None
    finally:
        _USED_MISSING.reset(token)
    missing_names = tuple(dict.fromkeys(used))
    if missing_names:
        return Rendered(text=None, missing=missing_names, skip_reason="missing " + ", ".join(label(n) for n in missing_names))
    return Rendered(text=text, missing=(), skip_reason=None)


def check_template(template: str) -> list[str]:
    """Problems in a template that a staff member can fix, each with its line; [] when it is fine."""
    try:
        ast = _TEXT_ENV.parse(template)
    except TemplateSyntaxError as exc:
        return [f"line {exc.lineno}: {exc.message}"]
    problems = _refusals(ast)
    try:
        _TEXT_ENV.from_string(ast)
    except TemplateSyntaxError as exc:  # e.g. an unknown filter
        return [*problems, f"line {exc.lineno}: {exc.message}"]
    undeclared = meta.find_undeclared_variables(ast)
    seen: set[str] = set()
    for node in ast.find_all(nodes.Name):
        name = node.name
        if name not in undeclared or name in VARIABLES or name in seen:
            continue
        seen.add(name)
        close = difflib.get_close_matches(name, VARIABLES, n=1, cutoff=0.6)
        hint = f"did you mean {close[0]}?" if close else "known fields are " + ", ".join(VARIABLES) + "."
        problems.append(f"line {node.lineno}: {{{{ {name} }}}} is not a known field \u2014 {hint}")
    return problems
