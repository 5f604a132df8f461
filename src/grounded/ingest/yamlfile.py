"""YAML with line numbers, so a mistake in a mapping file is reported where it is.

Mapping files and metric specs are small, hand-written documents, so the loader refuses what
no such file needs and what would otherwise hang or crash the reader: values nested more than
``MAX_DEPTH`` levels deep, more than ``MAX_VALUES`` values once aliases (``*name``) are
expanded (a "billion laughs"), an alias inside the value it names, and a key given twice in
one mapping (YAML would silently keep the last)."""

from __future__ import annotations

from typing import Any

import yaml

from grounded.errors import InvalidInput

MAX_DEPTH = 100
"""Levels of nesting a document may have (aliases expanded); real specs use fewer than ten."""

MAX_VALUES = 100_000
"""Values (scalars, lists and mappings) a document may hold once its aliases are expanded."""


class _TooDeep(Exception):
    def __init__(self, line: int) -> None:
        super().__init__(line)
        self.line = line


class _Loader(yaml.SafeLoader):
    """The safe loader, counting how deep it composes so that a deep document is refused at
    the line where it gets too deep instead of exhausting Python's stack."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.depth = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise _TooDeep(self.peek_event().start_mark.line + 1)  # type: ignore[no-untyped-call]
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def load(text: str, *, name: str) -> tuple[Any, dict[tuple[str, ...], int]]:
    """The parsed document and, for every key path, the (1-based) line it is on."""
    try:
        loader = _Loader(text)  # its reader checks the characters at once
    except yaml.YAMLError as error:
        raise _not_yaml(error, name) from error
    try:
        node = loader.get_single_node()
        if node is not None:
            _check(node, name=name)
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as error:
        raise _not_yaml(error, name) from error
    except _TooDeep as error:
        raise InvalidInput(
            f"{name} line {error.line}: nested more than {MAX_DEPTH} levels deep; a spec or mapping needs far fewer"
        ) from None
    except RecursionError:  # a safety net: the depth bound above should come first
        raise InvalidInput(f"{name}: nested too deeply to read (at most {MAX_DEPTH} levels)") from None
    finally:
        loader.dispose()
    lines: dict[tuple[str, ...], int] = {}
    if node is not None:
        _walk(node, (), lines)
    return data, lines


def _not_yaml(error: yaml.YAMLError, name: str) -> InvalidInput:
    if isinstance(error, yaml.reader.ReaderError):  # a control character YAML does not allow
        character = error.character if isinstance(error.character, int) else ord(str(error.character)[:1] or "?")
        return InvalidInput(
            f"{name}: not valid YAML (the character U+{character:04X} at character {error.position + 1} is not "
            "allowed; remove it)"
        )
    mark = getattr(error, "problem_mark", None)
    where = f" line {mark.line + 1}" if mark else ""
    problem = getattr(error, "problem", None) or str(error)
    return InvalidInput(f"{name}{where}: not valid YAML ({problem})")


def _check(root: yaml.Node, *, name: str) -> None:
    """Refuse duplicate keys, an alias inside the value it names, and documents that hold too
    many values or nest too deeply once aliases are expanded. Each node is looked at once (an
    aliased node's size and depth are remembered), so a "billion laughs" costs its text's
    length, not its expansion."""
    sizes: dict[int, tuple[int, int]] = {}  # id(node) -> (values, depth) once expanded
    open_nodes: set[int] = set()

    def visit(node: yaml.Node) -> tuple[int, int]:
        known = sizes.get(id(node))
        if known is not None:
            return known
        if id(node) in open_nodes:
            raise InvalidInput(f"{name} line {node.start_mark.line + 1}: an alias refers to the value that holds it")
        open_nodes.add(id(node))
        children: list[yaml.Node] = []
        if isinstance(node, yaml.MappingNode):
            _no_duplicate_keys(node, name=name)
            for key, value in node.value:
                children += [key, value]
        elif isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        values, depth = 1, 1
        for child in children:
            child_values, child_depth = visit(child)
            values += child_values
            depth = max(depth, child_depth + 1)
        if values > MAX_VALUES:
            raise InvalidInput(
                f"{name}: more than {MAX_VALUES:,} values once its aliases (*name) are expanded; "
                "a spec or mapping needs far fewer"
            )
        if depth > MAX_DEPTH:
            raise InvalidInput(
                f"{name} line {node.start_mark.line + 1}: nested more than {MAX_DEPTH} levels deep once its "
                "aliases (*name) are expanded"
            )
        open_nodes.discard(id(node))
        sizes[id(node)] = (values, depth)
        return values, depth

    visit(root)


def _no_duplicate_keys(node: yaml.MappingNode, *, name: str) -> None:
    """A key given twice in one mapping is refused naming both lines (merged keys, ``<<:``,
    may be overridden: that is what they are for)."""
    seen: dict[tuple[str, str], int] = {}
    for key, _ in node.value:
        if not isinstance(key, yaml.ScalarNode) or key.tag == "tag:yaml.org,2002:merge":
            continue
        line = key.start_mark.line + 1
        first = seen.get((key.tag, key.value))
        if first is None:
            seen[(key.tag, key.value)] = line
        else:
            lines = f"lines {first} and {line}" if first != line else f"both on line {line}"
            raise InvalidInput(f"{name} line {line}: key '{key.value}' is given twice ({lines}); keep one")


def _walk(
    node: yaml.Node, path: tuple[str, ...], lines: dict[tuple[str, ...], int], walked: set[int] | None = None
) -> None:
    """Record the line of every key path; a node met again through an alias is not walked
    again (paths inside it resolve to the alias's line through ``line_of``)."""
    walked = set() if walked is None else walked
    lines.setdefault(path, node.start_mark.line + 1)
    if id(node) in walked:
        return
    walked.add(id(node))
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            child = (*path, str(key.value))
            lines[child] = key.start_mark.line + 1
            _walk(value, child, lines, walked)
    elif isinstance(node, yaml.SequenceNode):
        for index, value in enumerate(node.value):
            _walk(value, (*path, str(index)), lines, walked)


def line_of(lines: dict[tuple[str, ...], int], path: tuple[str, ...]) -> int | None:
    """The line of ``path``, or of its nearest parent that has one."""
    while path:
        if path in lines:
            return lines[path]
        path = path[:-1]
    return lines.get(())
