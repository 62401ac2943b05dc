"""Read stage: YAML read as a person means it: safe, bounded, with numbers and dates as written.

PyYAML's safe loader (C when available), with YAML 1.1's surprises removed and hostile shapes refused
before any Python object is made:

- Only true/false are booleans: `country: NO` (Norway) or `tags: [on]` stay text.
- Dates stay text, so that our own parser can keep their precision and explain a bad one, where
  PyYAML would turn `2022-02-30` into a traceback.
- Numbers are decimal, as YAML 1.2 reads them: `killed: 010` is 10, never octal 8; `lon: 1:30` is
  text (YAML 1.1 read it as 90, base 60), and so are `0x1F`, `1_000` and `.inf`, which the fields
  that want numbers then refuse with a message.
- Only plain values: no tags but the standard scalar and collection ones (`!!python/...`,
  `!!binary`, `!!timestamp`, `!!set` are refused).
- Front matter may not use aliases (`*name`): no contributor needs them, and they are how a short
  file becomes a huge or self-referring value (an "alias bomb" hangs a build for minutes). site.yaml
  may, within a bound on the values they expand to. Nesting is bounded too.

A text YAML cannot read is explained in a contributor's words where the mistake is a common one
(yaml_messages.py), and in PyYAML's otherwise.
"""

from __future__ import annotations

import re

import yaml

from . import yaml_messages
from .model import Problem, Severity

# No record or setting is nested this deeply (sources → a source → its fields is three levels);
# a deeper one is hostile, and would exhaust the recursion of the code that reads it.
MAX_DEPTH = 20
# How many values a site.yaml's aliases may expand to: a thousand times a large archive's settings.
MAX_EXPANDED_VALUES = 100_000

_TAG = "tag:yaml.org,2002:"

# libyaml's loader when PyYAML was built with it (several times faster), else the pure-Python one.
if hasattr(yaml, "CSafeLoader"):
    _BaseLoader: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment]  # types-PyYAML types it apart
else:
    _BaseLoader = yaml.SafeLoader


class FrontMatterLoader(_BaseLoader):  # type: ignore[valid-type,misc]  # a base chosen at import, as PyYAML's own docs do
    """The loader of front matter and site.yaml (see the module's notes)."""


FrontMatterLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if not tag.endswith((":bool", ":timestamp", ":int", ":float"))]
    for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
}
FrontMatterLoader.add_implicit_resolver(
    f"{_TAG}bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_INTEGER = re.compile(r"^[-+]?[0-9]+$")
_DECIMAL = re.compile(r"^[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+|[0-9]+(?=[eE]))(?:[eE][-+]?[0-9]+)?$")
FrontMatterLoader.add_implicit_resolver(f"{_TAG}int", _INTEGER, list("-+0123456789"))
FrontMatterLoader.add_implicit_resolver(f"{_TAG}float", _DECIMAL, list("-+.0123456789"))


def _construct_integer(loader, node) -> int:
    text = loader.construct_scalar(node)
    if not _INTEGER.match(text):
        raise yaml.constructor.ConstructorError(None, None, f"{text!r} is not a whole number written in digits",
                                                node.start_mark)
    if len(text) > 30:  # int() of thousands of digits is slow, and no figure has them
        raise yaml.constructor.ConstructorError(None, None, f"{text[:20]}... has more digits than any figure",
                                                node.start_mark)
    return int(text, 10)


def _construct_decimal(loader, node) -> float:
    text = loader.construct_scalar(node)
    if not (_DECIMAL.match(text) or _INTEGER.match(text)) or len(text) > 60:
        raise yaml.constructor.ConstructorError(None, None, f"{text!r} is not a number written in digits",
                                                node.start_mark)
    return float(text)


# Only the standard scalar and collection tags: each other constructor makes values no field reads
# (bytes, sets, datetimes) or, for a bad value, raises a plain Python error from deep inside PyYAML.
FrontMatterLoader.yaml_constructors = {
    tag: constructor for tag, constructor in _BaseLoader.yaml_constructors.items()
    if tag is None or tag in {f"{_TAG}{name}" for name in ("null", "bool", "str", "seq", "map")}
}
FrontMatterLoader.add_constructor(f"{_TAG}int", _construct_integer)
FrontMatterLoader.add_constructor(f"{_TAG}float", _construct_decimal)


class Lines:
    """Finds the line of any value in a front matter, from the YAML node tree."""

    def __init__(self, root: yaml.Node | None, first_line: int):
        self.root = root
        self.first_line = first_line  # the file line where the YAML text starts (its line 0)

    def of(self, keys: tuple) -> int:
        """Line of the key (for mapping entries) or item (for list entries) that `keys` leads to.

        A key that is not there (a missing required field) is reported at the opening ---, line 1.
        """
        node, line = self.root, 1
        for key in keys:
            found = _child(node, key)
            if found is None:
                break
            line_node, node = found
            line = self.first_line + line_node.start_mark.line
        return line

    def top_level(self) -> str:
        """Lines of each top-level key and of each item of a top-level list: 'title=2 related[1]=14 ...'."""
        found = []
        if isinstance(self.root, yaml.MappingNode):
            for key_node, value_node in self.root.value:
                key = "".join(str(key_node.value).split())  # a space would break the format
                found.append(f"{key}={self.first_line + key_node.start_mark.line}")
                if isinstance(value_node, yaml.SequenceNode):
                    found.extend(f"{key}[{index}]={self.first_line + item.start_mark.line}"
                                 for index, item in enumerate(value_node.value, start=1))
        return " ".join(found)


def _child(node, key):
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.value == str(key):
                return key_node, value_node
    if isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
        return node.value[key], node.value[key]
    return None


def load_yaml(relpath: str, text: str, first_line: int = 1, what: str = "front matter"):
    """(mapping, root node, problems) for a YAML text; the mapping is None when it is unusable.

    The problems of a usable mapping are warnings.
    """
    loader = FrontMatterLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, None, [Problem(relpath, first_line, what, "is empty")]
        problems = _node_problems(relpath, text, node, first_line, what, aliases_allowed=what == "site.yaml")
        if what == "front matter":
            problems += _unclosed_problems(relpath, text, node, first_line)
        if any(problem.is_error for problem in problems):
            return None, None, problems
        meta = loader.construct_document(node)
    except yaml.MarkedYAMLError as error:
        return None, None, [_yaml_problem(relpath, text, error, first_line, what)]
    except yaml.YAMLError as error:
        return None, None, [Problem(relpath, first_line, what, f"is not valid YAML: {error}")]
    except (ValueError, TypeError, OverflowError, RecursionError) as error:  # a value no constructor can make
        return None, None, [Problem(relpath, first_line, what, f"is not valid YAML: {error}")]
    finally:
        loader.dispose()
    if not isinstance(meta, dict):
        kind = type(meta).__name__
        line = first_line + node.start_mark.line
        return None, None, [Problem(relpath, line, what, f"must be a mapping of fields (key: value), not a {kind}")]
    return meta, node, problems


def _yaml_problem(relpath: str, text: str, error: yaml.MarkedYAMLError, first_line: int, what: str) -> Problem:
    if not isinstance(error, yaml.constructor.ConstructorError):  # a tag or a number: its own words are clear
        advice = yaml_messages.explain(text, error, first_line, front_matter=what == "front matter")
        if advice:
            return Problem(relpath, advice.line, advice.field or what, advice.message)
    # A token or bracket that never ends (an unclosed quote or [) fails further down: point at its start.
    scanning = (error.context or "").startswith(("while scanning", "while parsing a flow"))
    mark = (error.context_mark if scanning else None) or error.problem_mark or error.context_mark
    line = first_line + mark.line if mark else first_line
    problem = error.problem or "invalid YAML"
    if scanning:
        problem = f"{problem} {error.context}"
    if isinstance(error, yaml.constructor.ConstructorError):
        problem = f"{problem}: only plain YAML values are allowed (no !tags)"
    return Problem(relpath, line, what, f"is not valid YAML: {problem}")


def _unclosed_problems(relpath: str, text: str, root: yaml.Node, first_line: int) -> list[Problem]:
    """A front matter whose closing --- is missing, and a --- lower down (a rule in the description)
    closes it instead: a sentence of the description may still read as YAML, as a field named by
    its words before a colon."""
    advice = yaml_messages.sentence_as_field(text, root, first_line)
    return [Problem(relpath, advice.line, "front matter", advice.message, Severity.WARNING)] if advice else []


def _node_problems(relpath: str, text: str, root: yaml.Node, first_line: int, what: str,
                   aliases_allowed: bool) -> list[Problem]:
    """Aliases, nesting, size and keys written twice, found in one walk of the node graph before
    anything is built from it; and, as warnings, list items written without the space after their
    dash, which YAML reads as text.

    An alias makes the composer reuse a node, so a node met twice is an alias; a self-referring
    one, where aliases are allowed, expands without end and so passes the bound on values. The walk
    keeps its own stack: it must not recurse on what it checks.
    """
    problems: list[Problem] = []
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, int, str]] = [(root, 1, "")]
    visits = 0
    while stack:
        node, depth, trail = stack.pop()
        visits += 1
        line = first_line + node.start_mark.line
        if id(node) in seen and not aliases_allowed:
            return [Problem(relpath, line, what, "uses a YAML alias (*name) to repeat a value: write the value "
                            "out in full (aliases are how a small file becomes an enormous one)")]
        if visits > MAX_EXPANDED_VALUES:
            return [Problem(relpath, first_line, what, f"expands to more than {MAX_EXPANDED_VALUES:,} values "
                            "through its aliases (*name): write the values out")]
        if depth > MAX_DEPTH:
            return [Problem(relpath, line, what, f"is nested more than {MAX_DEPTH} levels deep")]
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            keys = set()
            for key_node, value_node in node.value:
                key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
                name = f"{trail}.{key}" if trail else str(key)
                if key is not None and key in keys:  # PyYAML would silently keep the last value
                    problems.append(Problem(relpath, first_line + key_node.start_mark.line, name,
                                            "appears twice: the first value would be lost"))
                keys.add(key)
                stack += ((key_node, depth + 1, trail), (value_node, depth + 1, name))
        elif isinstance(node, yaml.SequenceNode):
            stack += ((item, depth + 1, f"{trail}[{index}]") for index, item in enumerate(node.value, start=1))
        elif yaml_messages.may_hide_list_items(node):
            problems += (Problem(relpath, advice.line, advice.field or what, advice.message, Severity.WARNING)
                         for advice in yaml_messages.undashed_items(text, node, first_line, trail))
    return sorted(problems)
