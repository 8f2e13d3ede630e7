"""Parse a CFA measurement model: a dict, lavaan-style syntax, or an instrument.

The result is a :class:`ParsedModel`: the factors with their indicators (in order) and one
:class:`Term` per ``=~`` (loading) or ``~~`` ((co)variance) statement, each carrying its modifiers
(fixed value, ``NA`` = free, label; one per group with ``c(...)``).

Supported lavaan syntax (a subset sufficient for measurement models)::

    visual  =~ x1 + x2 + x3          # first loading fixed to 1 (marker) unless std_lv
    textual =~ NA*x4 + x5 + b*x6     # NA* frees a loading, a label (b*) equates parameters
    speed   =~ x7 + 0.5*x8 + x9      # a number fixes a parameter
    x7 ~~ x8                         # residual covariance
    visual ~~ 0*speed                # orthogonal factors
    textual ~~ 1*textual             # fixed factor variance
    speed =~ x7 + c(a, b)*x8         # per-group modifiers in a multi-group model

Statements are separated by new lines or ``;``; ``#`` and ``!`` start comments; a statement may
continue on the next line after a trailing ``+``.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from typing import Any

from satscore._core.checks import close_matches
from satscore._core.errors import ModelSpecificationError, SatscoreTypeError

__all__ = ["Modifier", "ParsedModel", "Term", "parse_model"]

_NAME = r"[A-Za-z_.][A-Za-z0-9_.]*"
_NAME_RE = re.compile(rf"^{_NAME}$")
_NUMBER_RE = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_UNSUPPORTED = {
    "~1": "intercepts/means ('~1')",
    ":=": "defined parameters (':=')",
    "==": "explicit constraints ('==')",
    "<~": "formative indicators ('<~')",
    "~*~": "scaling factors ('~*~')",
    "|": "thresholds ('|')",
    "~": "regressions ('~')",
    "<": "inequality constraints ('<')",
    ">": "inequality constraints ('>')",
}


@dataclasses.dataclass(frozen=True)
class Modifier:
    """A parameter modifier: a fixed value, an explicit ``NA`` (free), and/or a label."""

    fixed: float | None = None
    free: bool = False
    label: str | None = None


@dataclasses.dataclass(frozen=True)
class Term:
    """One ``lhs op rhs`` statement with its modifiers (one per group, or one for all)."""

    lhs: str
    op: str
    rhs: str
    modifiers: tuple[Modifier, ...] = ()

    def modifier(self, group: int) -> Modifier:
        """The modifier that applies in *group* (0-based)."""
        if not self.modifiers:
            return Modifier()
        if len(self.modifiers) == 1:
            return self.modifiers[0]
        return self.modifiers[group]


@dataclasses.dataclass(frozen=True)
class ParsedModel:
    """A parsed measurement model.

    Attributes
    ----------
    factors : dict
        Factor name -> tuple of indicator names, in the order given.
    terms : tuple of Term
        Every ``=~`` and ``~~`` statement (loadings first, in order, then covariances).
    observed : tuple of str
        The indicators in order of first appearance (lavaan's ``ov.names``).
    """

    factors: dict[str, tuple[str, ...]]
    terms: tuple[Term, ...]
    observed: tuple[str, ...]

    @property
    def latent(self) -> tuple[str, ...]:
        """Factor names in order."""
        return tuple(self.factors)

    def n_modifier_groups(self) -> int:
        """The largest number of per-group modifiers used with ``c(...)`` (1 if none)."""
        return max((len(t.modifiers) for t in self.terms), default=1) or 1

    def to_syntax(self) -> str:
        """The model as lavaan syntax."""
        lines = []
        for factor, items in self.factors.items():
            rhs = [_format_term(t) for t in self.terms if t.op == "=~" and t.lhs == factor] or list(
                items
            )
            lines.append(f"{factor} =~ " + " + ".join(rhs))
        for t in self.terms:
            if t.op == "~~":
                lines.append(f"{t.lhs} ~~ {_format_term(t)}")
        return "\n".join(lines)


def _format_mod(m: Modifier) -> str:
    if m.label is not None:
        return m.label
    if m.fixed is not None:
        return repr(float(m.fixed)).removesuffix(".0")
    if m.free:
        return "NA"
    return ""


def _format_term(t: Term) -> str:
    if not t.modifiers or all(_format_mod(m) == "" for m in t.modifiers):
        return t.rhs
    if len(t.modifiers) == 1:
        return f"{_format_mod(t.modifiers[0])}*{t.rhs}"
    inner = ", ".join(_format_mod(m) or "NA" for m in t.modifiers)
    return f"c({inner})*{t.rhs}"


def parse_model(model: Any) -> ParsedModel:
    """Parse *model* (dict, lavaan syntax string, or instrument) into a :class:`ParsedModel`.

    Examples
    --------
    >>> pm = parse_model("visual =~ x1 + x2 + x3; x2 ~~ x3")
    >>> pm.factors
    {'visual': ('x1', 'x2', 'x3')}
    >>> pm.terms[-1].op
    '~~'
    >>> parse_model({"f": ["a", "b", "0.5*c"]}).terms[2].modifier(0).fixed
    0.5
    """
    if isinstance(model, str):
        terms = _parse_string(model)
    elif isinstance(model, Mapping):
        terms = _parse_mapping(model)
    elif hasattr(model, "dimensions"):
        terms = _parse_instrument(model)
    else:
        msg = (
            f"model must be a dict {{'factor': ['item', ...]}}, a lavaan-style string "
            f"('f =~ x1 + x2 + x3') or an Instrument; found {type(model).__name__}."
        )
        raise SatscoreTypeError(msg)
    return _assemble(terms)


def _parse_instrument(instrument: Any) -> list[Term]:
    terms: list[Term] = []
    for dim in instrument.dimensions:
        if hasattr(instrument, "scored_items"):
            items = tuple(instrument.scored_items(dim.id))
        else:
            items = tuple(dim.items)
        for item in items:
            terms.append(Term(str(dim.id), "=~", str(item)))
    if not terms:
        msg = (
            f"instrument {getattr(instrument, 'id', '?')!r} has no dimensions with items; a CFA "
            "needs at least one dimension. Pass a dict {'factor': [items]} instead."
        )
        raise ModelSpecificationError(msg)
    return terms


def _parse_mapping(model: Mapping) -> list[Term]:
    if not model:
        msg = "model is an empty dict; give at least one factor, e.g. {'f': ['x1', 'x2', 'x3']}."
        raise ModelSpecificationError(msg)
    terms: list[Term] = []
    for factor, items in model.items():
        factor = str(factor)
        _check_name(factor, "factor")
        if isinstance(items, str):
            parts = _split_plus(items)
        elif isinstance(items, Sequence):
            parts = [str(i) for i in items]
        else:
            msg = (
                f"factor {factor!r}: indicators must be a list of item names or a string "
                f"'x1 + x2'; found {type(items).__name__}."
            )
            raise SatscoreTypeError(msg)
        for part in parts:
            name, mods = _parse_rhs_term(part, f"factor {factor!r}")
            terms.append(Term(factor, "=~", name, mods))
    return terms


def _strip_comments(text: str) -> str:
    return "\n".join(re.split(r"[#!]", line, maxsplit=1)[0] for line in text.splitlines())


def _statements(text: str) -> list[str]:
    raw = [s.strip() for chunk in _strip_comments(text).split("\n") for s in chunk.split(";")]
    out: list[str] = []
    for s in raw:
        if not s:
            continue
        if out and (out[-1].endswith("+") or s.startswith("+") or not _has_operator(s)):
            out[-1] = f"{out[-1]} {s}"
        else:
            out.append(s)
    return out


def _has_operator(s: str) -> bool:
    return any(op in s for op in ("=~", "~", ":=", "==", "<", ">", "|"))


def _parse_string(text: str) -> list[Term]:
    stmts = _statements(text)
    if not stmts:
        msg = "model syntax is empty; write e.g. 'visual =~ x1 + x2 + x3'."
        raise ModelSpecificationError(msg)
    terms: list[Term] = []
    for stmt in stmts:
        op = _operator(stmt)
        lhs, rhs = (s.strip() for s in stmt.split(op, 1))
        _check_name(lhs, "left-hand side", stmt)
        for part in _split_plus(rhs):
            name, mods = _parse_rhs_term(part, f"statement {stmt!r}")
            terms.append(Term(lhs, op, name, mods))
    return terms


def _operator(stmt: str) -> str:
    for op in ("=~", "~~"):
        if op in stmt:
            return op
    for op, what in _UNSUPPORTED.items():
        if op in stmt:
            msg = (
                f"statement {stmt!r} uses {what}, which satscore.cfa does not support; a "
                "measurement model needs only '=~' (loadings) and '~~' ((co)variances). "
                "Remove the statement or fit the model in lavaan."
            )
            raise ModelSpecificationError(msg)
    msg = (
        f"statement {stmt!r} has no operator; write 'factor =~ item1 + item2 + item3' or "
        "'item1 ~~ item2'."
    )
    raise ModelSpecificationError(msg)


def _split_plus(rhs: str) -> list[str]:
    parts, depth, cur = [], 0, ""
    for ch in rhs:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "+" and depth == 0:
            parts.append(cur.strip())
            cur = ""
        else:
            cur += ch
    parts.append(cur.strip())
    if any(p == "" for p in parts):
        msg = f"empty term in {rhs!r}: check for a doubled or trailing '+'."
        raise ModelSpecificationError(msg)
    return parts


def _parse_rhs_term(part: str, where: str) -> tuple[str, tuple[Modifier, ...]]:
    pieces = [p.strip() for p in _split_star(part)]
    name = pieces[-1]
    _check_name(name, "variable", where)
    mods: tuple[Modifier, ...] = ()
    for piece in pieces[:-1]:
        mods = _merge_mods(mods, _parse_modifier(piece, where))
    return name, mods


def _split_star(part: str) -> list[str]:
    out, depth, cur = [], 0, ""
    for ch in part:
        depth += ch == "("
        depth -= ch == ")"
        if ch == "*" and depth == 0:
            out.append(cur)
            cur = ""
        else:
            cur += ch
    out.append(cur)
    return out


def _parse_modifier(text: str, where: str) -> tuple[Modifier, ...]:
    text = text.strip()
    m = re.fullmatch(r"c\((.*)\)", text)
    if m:
        return tuple(_single_modifier(v.strip(), where) for v in m.group(1).split(","))
    m = re.fullmatch(r"start\((.*)\)", text)
    if m:
        return ()  # start values only steer the optimiser; the ML solution does not depend on them
    return (_single_modifier(text, where),)


def _single_modifier(text: str, where: str) -> Modifier:
    text = text.strip().strip("'\"")
    if text in ("NA", "na", "NaN"):
        return Modifier(free=True)
    if _NUMBER_RE.match(text):
        return Modifier(fixed=float(text))
    if _NAME_RE.match(text):
        return Modifier(label=text)
    msg = (
        f"cannot read the modifier {text!r} in {where}; use a number (fixed value), NA (free), "
        "a label (equality), or c(...) with one of these per group."
    )
    raise ModelSpecificationError(msg)


def _merge_mods(a: tuple[Modifier, ...], b: tuple[Modifier, ...]) -> tuple[Modifier, ...]:
    if not a:
        return b
    if not b:
        return a
    n = max(len(a), len(b))
    if len(a) not in (1, n) or len(b) not in (1, n):
        msg = f"modifiers c(...) of different lengths ({len(a)} and {len(b)}) for one parameter."
        raise ModelSpecificationError(msg)
    out = []
    for g in range(n):
        x, y = a[0 if len(a) == 1 else g], b[0 if len(b) == 1 else g]
        out.append(
            Modifier(
                fixed=y.fixed if y.fixed is not None else (None if y.free else x.fixed),
                free=(x.free or y.free) and y.fixed is None,
                label=y.label if y.label is not None else x.label,
            )
        )
    return tuple(out)


def _check_name(name: str, what: str, where: str | None = None) -> None:
    if not _NAME_RE.match(name):
        loc = f" in {where!r}" if where else ""
        msg = (
            f"{what} name {name!r}{loc} is not a valid variable name; names start with a letter "
            "and contain letters, digits, '_' or '.'. Rename the column or the factor."
        )
        raise ModelSpecificationError(msg)


def _assemble(terms: list[Term]) -> ParsedModel:
    merged: dict[tuple[str, str, str], Term] = {}
    for t in terms:
        key = (t.lhs, t.op, t.rhs)
        if t.op == "~~" and (t.rhs, t.op, t.lhs) in merged:
            key = (t.rhs, t.op, t.lhs)
        if key in merged:
            old = merged[key]
            merged[key] = Term(old.lhs, old.op, old.rhs, _merge_mods(old.modifiers, t.modifiers))
        else:
            merged[key] = t
    factors: dict[str, list[str]] = {}
    for t in merged.values():
        if t.op == "=~":
            factors.setdefault(t.lhs, []).append(t.rhs)
    if not factors:
        msg = "the model defines no factor; add at least one 'factor =~ item1 + item2 + item3'."
        raise ModelSpecificationError(msg)
    observed: list[str] = []
    for items in factors.values():
        for item in items:
            if item in factors:
                msg = (
                    f"{item!r} is used both as a factor and as an indicator; higher-order "
                    "factors are not supported by satscore.cfa."
                )
                raise ModelSpecificationError(msg)
            if item not in observed:
                observed.append(item)
    known = set(factors) | set(observed)
    for t in merged.values():
        if t.op != "~~":
            continue
        for name in (t.lhs, t.rhs):
            if name not in known:
                msg = (
                    f"{t.lhs} ~~ {t.rhs}: {name!r} is neither a factor nor an indicator of the "
                    f"model.{close_matches(name, sorted(known))} Only variables that appear in a "
                    "'=~' statement can have (co)variances."
                )
                raise ModelSpecificationError(msg)
        if (t.lhs in factors) != (t.rhs in factors):
            msg = (
                f"{t.lhs} ~~ {t.rhs} mixes a factor and an indicator; a covariance must be "
                "between two factors or between two indicators (residuals)."
            )
            raise ModelSpecificationError(msg)
    ordered = [t for t in merged.values() if t.op == "=~"] + [
        t for t in merged.values() if t.op == "~~"
    ]
    return ParsedModel(
        factors={k: tuple(v) for k, v in factors.items()},
        terms=tuple(ordered),
        observed=tuple(observed),
    )
