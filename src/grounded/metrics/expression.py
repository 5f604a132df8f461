"""Arithmetic over metrics for derived metrics: ``+ - * /``, parentheses, numbers and
metric keys. Parsed with Python's own parser and then allowed node by node, so nothing but
arithmetic can run; a division by zero gives no value (None) rather than an error."""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Mapping

_OPERATORS: dict[type[ast.operator], Callable[[float, float], float]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}


def parse(text: str) -> ast.expr:
    """The expression's tree, or ValueError saying what is not allowed."""
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except SyntaxError as error:
        raise ValueError(f"expression '{text}' is not arithmetic ({error.msg} at column {error.offset})") from None
    for node in ast.walk(tree):
        if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
            continue
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            continue
        if isinstance(node, ast.Constant) and type(node.value) in (int, float):
            continue
        if isinstance(node, ast.Name):
            continue
        if isinstance(node, ast.operator | ast.unaryop | ast.Load):
            continue
        raise ValueError(
            f"expression '{text}' uses '{ast.unparse(node)}'; only + - * /, parentheses, numbers and metric keys"
        )
    return tree


def names(text: str) -> set[str]:
    """The metric keys an expression uses."""
    return {node.id for node in ast.walk(parse(text)) if isinstance(node, ast.Name)}


def evaluate(text: str, values: Mapping[str, float | None]) -> float | None:
    """The expression's value; None when a metric has no value or a division is by zero."""
    return _value(parse(text), values)


def _value(node: ast.expr, values: Mapping[str, float | None]) -> float | None:
    if isinstance(node, ast.Constant):
        assert isinstance(node.value, int | float)
        return float(node.value)
    if isinstance(node, ast.Name):
        return values.get(node.id)
    if isinstance(node, ast.UnaryOp):
        inner = _value(node.operand, values)
        return None if inner is None else (-inner if isinstance(node.op, ast.USub) else inner)
    assert isinstance(node, ast.BinOp)
    left, right = _value(node.left, values), _value(node.right, values)
    if left is None or right is None:
        return None
    if isinstance(node.op, ast.Div) and right == 0:
        return None
    return _OPERATORS[type(node.op)](left, right)
