"""Read stage: YAML mistakes explained in a contributor's words, at the line where the fix goes.

PyYAML says where its parser gave up, in a parser's terms ("mapping values are not allowed in this
context"). A volunteer who has never seen YAML needs to know what to type, and on which line. Each
reader below recognises one common mistake from PyYAML's error and the text around it, and says how
to fix it; a mistake none of them recognises keeps PyYAML's own words (yaml_loader.py), so that no
problem is ever lost. The readers only explain: what YAML accepts is not changed here.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import yaml

# The scanner of the loader in use (C when available), so that its marks match the error's.
_Scanner = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# A line as its indentation shows it: spaces, list dashes ("- "), then maybe a key and its colon.
# No part can match the same characters as the next, so a long line is matched in linear time.
_LINE = re.compile(r"""(?P<indent>[ \t]*)(?P<dashes>(?:-[ ]+)*)"""
                   r"""(?:(?P<key>"[^"\n]*"[ ]*|'[^'\n]*'[ ]*|[^\s#'"\[\]{}&*!|>%@`,?:-][^#:\n]*):(?=[ \t]|$))?""")
# A key as fields are named (title, date_end, sources): text with a space before a colon is prose.
_NAME = re.compile(r"""[\w.-]+|"[^"]*"|'[^']*'""")
# What a YAML value cannot start with unquoted: it would be read as something other than text.
_INDICATORS = tuple("-[]{}#&*!|>'\"%@`,?:")
# A line that starts like a field, whatever is wrong after it: no line of a description.
_FIELD_START = re.compile(r"\W{0,2}[\w.-]+[ ]*:")
# A line meant as the closing ---, mistyped: two or more dashes (of any kind), maybe spaced.
_BROKEN_BOUNDARY = re.compile(r"[ \t]*[-–—‒―−](?:[ \t]*[-–—‒―−])+[ \t]*")
# A dash written against its item (-shelling): text to YAML, not a list item. A dash before a
# digit or a point is a negative number, and two dashes a dash in prose.
_UNDASHED = re.compile(r"-[^\s\d.\-]")

# PyYAML's words (libyaml's, then its Python parser's) for a line it did not expect where it is.
_MISALIGNED_PROBLEMS = ("mapping values are not allowed", "did not find expected key",
                       "did not find expected '-' indicator", "did not find expected <document start>",
                       "expected <block end>", "expected '<document start>'")
# How deep a key path is worked out: deeper is no front matter or setting (yaml_loader.MAX_DEPTH).
MAX_PATH = 25


@dataclass(frozen=True)
class Advice:
    line: int  # in the file
    field: str | None  # the key path the line is read as; None: the whole text
    message: str


@dataclass(frozen=True)
class _Parsed:
    indent: int
    dashes: str
    key: str | None
    value: str  # after the key's colon, or after the dashes; without a trailing comment

    @property
    def key_column(self) -> int:
        return self.indent + len(self.dashes)

    @property
    def is_opener(self) -> bool:
        """A key with nothing after it: what follows, indented, is its value."""
        return self.key is not None and not self.value

    @property
    def elements(self) -> list[tuple[int, str | None]]:
        """(column, key) of each item dash (key None) and of the key, left to right."""
        found = [(self.indent + index, None) for index, char in enumerate(self.dashes) if char == "-"]
        return found + ([(self.key_column, self.key)] if self.key is not None else [])


class _Text:
    """The YAML text as lines, and the positions of PyYAML's marks in them."""

    def __init__(self, text: str, first_line: int):
        self.text = text
        self.lines = text.split("\n")
        self.first_line = first_line
        self._parsed: dict[int, _Parsed | None] = {}

    def position(self, mark) -> tuple[int, int]:
        """(line, column) of a mark, counted from the text itself: PyYAML also breaks lines at U+2028."""
        index = min(max(mark.index, 0), len(self.text))
        line_start = self.text.rfind("\n", 0, index) + 1
        return self.text.count("\n", 0, index), index - line_start

    def parsed(self, index: int) -> _Parsed | None:
        """The line's structure; None for a blank line, a comment or a line out of range."""
        if index not in self._parsed:
            self._parsed[index] = _parse(self.lines[index]) if 0 <= index < len(self.lines) else None
        return self._parsed[index]

    def file_line(self, index: int) -> int:
        return self.first_line + index

    def previous(self, index: int) -> int | None:
        """The nearest line above with content."""
        return next((before for before in range(index - 1, -1, -1) if self.parsed(before)), None)

    def field_at(self, index: int, as_item: bool = False) -> str | None:
        """'location.lat', 'sources[2].url': the key path a line is meant as, from indentation alone.

        as_item: the line is a list item written without its "- ", so its list may be the key above
        it at the same indentation.
        """
        line = self.parsed(index)
        if line is None:
            return None
        names: list[str] = []
        limit, inclusive = line.indent, as_item
        if len(line.elements) > MAX_PATH:
            return None
        for column, key in reversed(line.elements):
            names.append(_unquote(key) if key is not None else f"[{self._item_number(index, column)}]")
            limit, inclusive = column, key is None
        for above in range(index - 1, -1, -1):
            if (limit == 0 and not inclusive) or len(names) > MAX_PATH:
                break
            parsed = self.parsed(above)
            if parsed is None or not parsed.elements or parsed.indent > limit or (parsed.indent == limit and not inclusive):
                continue  # blank, continued text, or a line inside the same block
            for column, key in reversed(parsed.elements):
                if column > limit or (column == limit and not inclusive):
                    continue
                if key is None:
                    names.append(f"[{self._item_number(above, column)}]")
                elif parsed.is_opener:
                    names.append(_unquote(key))
                limit, inclusive = column, key is None
        return _path(reversed(names)) or None

    def _item_number(self, index: int, column: int) -> int:
        """Which item of its list (from 1) the dash at this column of the line is."""
        number = 1
        for above in range(index - 1, -1, -1):
            parsed = self.parsed(above)
            if parsed is None or not parsed.elements or parsed.indent > column:
                continue
            if parsed.indent < column or not parsed.dashes:
                break
            number += 1
        return number

    def advice(self, index: int, message: str, field: str | None = None, as_item: bool = False) -> Advice:
        return Advice(self.file_line(index), field or self.field_at(index, as_item), message)


def _parse(line: str) -> _Parsed | None:
    match = _LINE.match(line)  # always matches: every part of it may be empty
    if match is None or not line.strip() or line.lstrip(" \t").startswith("#"):
        return None
    rest = line[match.end():]
    key = match["key"].strip() if match["key"] is not None else None
    return _Parsed(len(match["indent"]), match["dashes"], key, _without_comment(rest).strip())


def _without_comment(value: str) -> str:
    return re.split(r"(?:^|\s)#", value, maxsplit=1)[0]


def _unquote(key: str) -> str:
    return key[1:-1] if len(key) > 1 and key[0] == key[-1] and key[0] in "'\"" else key


def _path(names) -> str:
    path = ""
    for name in names:
        path += name if name.startswith("[") or not path else f".{name}"
    return path


def _quoted(value: str) -> str:
    """value as a quoted YAML text: double quotes, or single ones when it holds a " or a backslash."""
    if '"' in value or "\\" in value:
        return "'" + value.replace("'", "''") + "'"
    return f'"{value}"'


def _shortened(value: str, limit: int = 50) -> str:
    return value if len(value) <= limit else value[: limit - 10].rstrip() + " ..."


def _spaces(count: int) -> str:
    return f"{count} space{'s' if count != 1 else ''}"


def explain(text: str, error: yaml.MarkedYAMLError, first_line: int, front_matter: bool) -> Advice | None:
    """Advice for a YAML error that PyYAML raised on text, or None when the mistake is not recognised."""
    if error.problem_mark is None:  # nowhere to look
        return None
    lines = _Text(text, first_line)
    readers = [_tab, _unclosed_quote, _unclosed_bracket, _text_after_closing, _undashed_item,
               _special_first_character, _colon_in_value, _misaligned]
    if front_matter:
        readers.insert(0, _unclosed_front_matter)
    for reader in readers:
        advice = reader(lines, error)
        if advice:
            return advice
    return None


def _error_lines(lines: _Text, error) -> list[int]:
    """The lines PyYAML points at: where it gave up, then where what it was reading began."""
    marks = (error.problem_mark, error.context_mark)
    return list(dict.fromkeys(lines.position(mark)[0] for mark in marks if mark is not None))


def _tab(lines: _Text, error) -> Advice | None:
    for index in _error_lines(lines, error):
        line = lines.lines[index] if index < len(lines.lines) else ""
        if re.match(r"[ ]*\t", line):
            return lines.advice(index, "indent with spaces, not a tab")
        if re.match(r"[ \t]*(?:-[ ]*)+\t", line):
            return lines.advice(index, "put a space after the dash, not a tab")
    return None


def _unclosed_quote(lines: _Text, error) -> Advice | None:
    """A quote left open: PyYAML reads on, to the end or to the next value's opening quote."""
    if (error.context or "").startswith("while scanning a quoted scalar") and \
            (error.problem or "").startswith(("found unexpected end of stream", "found unexpected document separator")):
        index, column = lines.position(error.context_mark)
        return _never_closed(lines, index, lines.lines[index][column:column + 1] or '"')
    for token in _quoted_scalars(lines.text):
        if token.start_mark.line != token.end_mark.line:
            start, end = lines.position(token.start_mark)[0], lines.position(token.end_mark)[0]
            opened = lines.parsed(start)
            if opened and any(_is_field(lines.parsed(index), opened.key_column) for index in range(start + 1, end + 1)):
                return _never_closed(lines, start, token.style)
    return None


def _never_closed(lines: _Text, index: int, quote: str) -> Advice:
    return lines.advice(index, f"the quote opened on line {lines.file_line(index)} is never closed: "
                               f"end the value with {quote}")


def _is_field(parsed: _Parsed | None, column: int) -> bool:
    """A line that names a field (key: value) no further in than column."""
    return bool(parsed and parsed.key and _NAME.fullmatch(parsed.key) and parsed.key_column <= column)


def _quoted_scalars(text: str):
    """PyYAML's tokens of quoted values in text, up to the first token it cannot read."""
    scanner = _Scanner(text)
    try:
        while scanner.check_token():
            token = scanner.get_token()
            if isinstance(token, yaml.ScalarToken) and token.style in ("'", '"'):
                yield token
    except yaml.YAMLError:
        return
    finally:
        scanner.dispose()


def _unclosed_bracket(lines: _Text, error) -> Advice | None:
    context = error.context or ""
    if not context.startswith(("while parsing a flow sequence", "while parsing a flow mapping")):
        return None
    if _closes(lines.text[error.context_mark.index:error.problem_mark.index]):
        return None  # the bracket is closed: the mistake is inside it
    index, column = lines.position(error.context_mark)
    bracket = lines.lines[index][column:column + 1]
    closing, what = ("]", "the list") if bracket == "[" else ("}", "it")
    return lines.advice(index, f"the {bracket} opened on line {lines.file_line(index)} is never closed: "
                               f"end {what} with {closing}")


def _closes(text: str) -> bool:
    """Whether the bracket text starts with is closed in it (brackets inside quotes not counted)."""
    depth = 0
    for match in re.finditer(r""""(?:[^"\\]|\\.)*"?|'(?:[^']|'')*'?|[\[\]{}]""", text):
        token = match.group()
        if token in "[{":
            depth += 1
        elif token in "]}":
            depth -= 1
            if depth == 0:
                return True
    return False


def _text_after_closing(lines: _Text, error) -> Advice | None:
    """A value that starts with a quote or a bracket ends where it closes: more text is a mistake."""
    if not (error.problem or "").startswith(_MISALIGNED_PROBLEMS[1:]):
        return None
    index, column = lines.position(error.problem_mark)
    line = lines.parsed(index)
    if line is None or not line.value or line.value[0] not in "\"'[{":
        return None
    value = line.value
    after_key = line.key_column + (len(line.key) + 1 if line.key is not None else 0)
    if column <= lines.lines[index].find(value[0], after_key):
        return None
    if value[0] == '"':
        inner = value[1:-1] if len(value) > 1 and value.endswith('"') else value
        example = _example(line, _quoted_in(inner, "'"))
        return lines.advice(index, "text follows the value's closing \": to keep quotes inside a value, "
                                   f"put it all in single quotes: {example}")
    if value[0] == "'":
        inner = value[1:-1] if len(value) > 1 and value.endswith("'") else value[1:]
        example = _example(line, _quoted_in(inner, '"'))
        return lines.advice(index, "text follows the value's closing ' (an apostrophe ends a value in single "
                                   f"quotes): put it all in double quotes: {example}")
    closing = "]" if value[0] == "[" else "}"
    name = f"the {line.key}" if line.key else "the item"
    return lines.advice(index, f"text follows the closing {closing}: a value that starts with {value[0]} is read "
                               f"as a list or a mapping; put {name} in double quotes: {_example(line, _quoted(value))}")


def _quoted_in(value: str, quote: str) -> str:
    if quote == "'":
        return "'" + value.replace("'", "''") + "'"
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _example(line: _Parsed, quoted_value: str) -> str:
    """How the line looks with its value quoted: `title: "Kyiv: shelling ..."`."""
    quoted_value = _shortened(quoted_value[:-1]) + quoted_value[-1] if len(quoted_value) > 50 else quoted_value
    return f"{line.dashes}{line.key}: {quoted_value}" if line.key else f"- {quoted_value}"


def _undashed_item(lines: _Text, error) -> Advice | None:
    for index in _error_lines(lines, error):
        advice = _undashed_advice(lines, index)
        if advice:
            return advice
    return None


def _undashed_advice(lines: _Text, index: int) -> Advice | None:
    """Advice for a line written as a list item without the space after its dash (-shelling)."""
    line = lines.lines[index] if 0 <= index < len(lines.lines) else ""
    content = line.lstrip(" ")
    if not _UNDASHED.match(content):
        return None
    return lines.advice(index, f"a list item needs a space after its dash: `- {_shortened(content[1:], 40)}`",
                        as_item=True)


def _special_first_character(lines: _Text, error) -> Advice | None:
    """A value starting with a character YAML keeps for itself (@, `, %, *, |, >)."""
    problem = error.problem or ""
    if not ("cannot start any token" in problem or "comment or a line break" in problem
            or problem.startswith(("found undefined alias", "did not find expected comment or line break"))):
        return None
    index, _ = lines.position(error.context_mark or error.problem_mark)
    line = lines.parsed(index)
    if line is None or not (line.key or line.dashes) or line.value[:1] not in tuple("@`%*|>"):
        return None
    first = line.value[0]
    where = f"the {line.key}" if line.key else "the item"
    return lines.advice(index, f"a value cannot start with {first}: put {where} in double quotes: "
                               f"{_example(line, _quoted(line.value))}")


def _colon_in_value(lines: _Text, error) -> Advice | None:
    """A value with ': ' in it: YAML reads the colon as the start of another field."""
    if not (error.problem or "").startswith("mapping values are not allowed"):
        return None
    index, _ = lines.position(error.problem_mark)
    line = lines.parsed(index)
    if line is None:
        return None
    if line.key and (": " in line.value or line.value.endswith(":")):
        return lines.advice(index, f"a colon followed by a space must be inside quotes: put the {_unquote(line.key)} "
                                   f"in double quotes: {_example(line, _quoted(line.value))}")
    if line.key and not _NAME.fullmatch(line.key):  # "they said: ..." continues the value of a field above
        for above in range(index - 1, -1, -1):
            owner = lines.parsed(above)
            if owner and owner.key and owner.value and owner.key_column < line.indent:
                return lines.advice(above, f"put the {_unquote(owner.key)} in double quotes: its text has a colon "
                                           f"followed by a space on line {lines.file_line(index)}")
    return None


def _misaligned(lines: _Text, error) -> Advice | None:
    """A key or item indented unlike the ones it belongs with."""
    if not (error.problem or "").startswith(_MISALIGNED_PROBLEMS):
        return None
    index, _ = lines.position(error.problem_mark)
    line = lines.parsed(index)
    if line is None:
        return None
    first = next(number for number in range(len(lines.lines)) if lines.parsed(number))
    opening = lines.parsed(first)
    if first != index and opening and opening.indent > line.indent == 0:
        return lines.advice(first, f"remove the {_spaces(opening.indent)} before {_label(opening)}: "
                                   "a field of the first level starts at the beginning of its line")
    candidates = _columns_above(lines, index, items=bool(line.dashes) or line.key is None)
    if not candidates:
        return None
    column, above, other = min(candidates, key=lambda found: (abs(found[0] - line.indent), -found[0]))
    if column == line.indent:
        return None
    fix = f"remove the {_spaces(line.indent)} before it" if column == 0 else \
        f"put {_spaces(column)} before it, not {line.indent}"
    return lines.advice(index, f"line {_label(line, own=True)} up with {other} on line {lines.file_line(above)}: {fix}")


def _columns_above(lines: _Text, index: int, items: bool) -> list[tuple[int, int, str]]:
    """(column, line, label) of each key (or each item) above that a line could be lined up with."""
    found = []
    limit = None
    for above in range(index - 1, -1, -1):
        parsed = lines.parsed(above)
        if parsed is None or not parsed.elements:
            continue
        for column, key in parsed.elements:
            if (limit is None or column < limit) and (key is None) == items:
                found.append((column, above, f"`{key}:`" if key is not None else "the item"))
        limit = parsed.indent if limit is None else min(limit, parsed.indent)
        if limit == 0:
            break
    return found


def _label(line: _Parsed, own: bool = False) -> str:
    if line.key is not None and not line.dashes:
        return f"`{line.key}:`"
    return "this item" if own else "the item"


def _unclosed_front_matter(lines: _Text, error) -> Advice | None:
    """No closing --- after the fields: the description below them is read as YAML."""
    error_lines = _error_lines(lines, error)
    broken = _broken_boundary(lines)
    if broken is not None and broken <= max(error_lines):
        return _mistyped(lines, broken)
    text_line = _first_text_line(lines)
    if text_line is None or text_line > max(error_lines):
        return None
    last = lines.previous(text_line)
    if last is None:
        return None
    after = next((below for below in range(text_line + 1, len(lines.lines)) if lines.parsed(below)), None)
    if after is None or not _is_field(lines.parsed(after), 0):
        return _not_closed(lines, last)
    # Fields go on below it: not a description, but a value written at the start of its own line.
    opener = lines.parsed(last)
    if opener is None or not opener.is_opener or last != text_line - 1:
        return None
    value = _shortened(lines.lines[text_line].strip(), 40)
    return lines.advice(text_line, f"indent this value under {_label(opener)}, or write it on the same line: "
                                   f"{opener.key}: {value}", field=lines.field_at(last))


def _first_text_line(lines: _Text) -> int | None:
    """The first line that reads as a description rather than YAML: text at the start of a line
    that neither names a field (a space before the colon makes it prose) nor starts with a dash."""
    for index in range(len(lines.lines)):
        parsed = lines.parsed(index)
        if parsed is None or parsed.indent or lines.lines[index].startswith("-"):
            continue
        if not (parsed.key and _NAME.fullmatch(parsed.key)) and not _FIELD_START.match(lines.lines[index]):
            return index
    return None


def _broken_boundary(lines: _Text) -> int | None:
    """The first line that looks meant as the closing --- but is not one (--, - - -, an em dash)."""
    return next((index for index, line in enumerate(lines.lines) if _BROKEN_BOUNDARY.fullmatch(line)), None)


def _mistyped(lines: _Text, index: int) -> Advice:
    written = lines.lines[index].strip()
    if written == "---":
        return Advice(lines.file_line(index), None, "is not closed: its closing --- must start at the beginning "
                                                    "of the line, with no space before it")
    return Advice(lines.file_line(index), None, "is not closed: the line that closes it must be exactly three "
                                                f"hyphens, ---, not {written!r}")


def _not_closed(lines: _Text, last: int) -> Advice:
    return Advice(lines.file_line(last), None, "is not closed: add a line --- after this line, the last of the "
                                               "front matter")


def unclosed_front_matter(text: str, first_line: int) -> Advice:
    """Where the closing --- of a front matter that has none should go: after its last field."""
    lines = _Text(text, first_line)
    broken = _broken_boundary(lines)
    if broken is not None:
        return _mistyped(lines, broken)
    text_line = _first_text_line(lines)
    last = lines.previous(len(lines.lines) if text_line is None else text_line)
    if last is None:  # no field: the opening --- is the file's first line
        return Advice(1, None, "is not closed: add a line --- after the fields")
    return _not_closed(lines, last)


def sentence_as_field(text: str, root: yaml.Node, first_line: int) -> Advice | None:
    """Advice when a key of the front matter is a sentence ("Witnesses said: ..."): the description,
    read as YAML because the front matter's closing --- is missing."""
    if not isinstance(root, yaml.MappingNode):
        return None
    for key_node, _ in root.value:
        key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
        if isinstance(key, str) and " " in key and _reads_as_sentence(key):
            lines = _Text(text, first_line)
            index = lines.position(key_node.start_mark)[0]
            last = lines.previous(index)
            if last is None:
                return None
            return Advice(lines.file_line(last), None, f"may not be closed: line {lines.file_line(index)} reads as a "
                                                       "sentence, not a field; if the front matter ends here, "
                                                       "add a line --- after this line")
    return None


def _reads_as_sentence(key: str) -> bool:
    return len(key.split()) >= 3 or bool(re.search(r"[.,;!?] ", key))


def missing_opening(text: str) -> str:
    """What to do about a file that does not start with a line ---."""
    first = text.split("\n", 1)[0]
    if not first.strip() and text.lstrip().startswith("---"):
        return "missing: the file must start with its line ---: delete the blank lines above it"
    if first.strip() and not first.strip(" -–—‒―−") and first.strip() != "---":
        return f"missing: the first line must be three hyphens, ---, not {first.strip()!r}"
    if first.startswith((" ", "\t")) and first.strip().startswith("---"):
        return "missing: the line --- must start at the beginning of the line, with no space before it"
    parsed = _parse(first)
    if parsed and parsed.key and _NAME.fullmatch(parsed.key):
        return f"missing: the file must start with a line ---: add one above {_label(parsed)}"
    return "missing: the file must start with a line ---"


def undashed_items(text: str, node: yaml.Node, first_line: int, field: str) -> list[Advice]:
    """Lines of a plain YAML text that look like list items written without the space after the dash.

    YAML reads `-shelling` as text that begins with a dash, so a list written that way passes as one
    odd value; the dash must start its line (after the indentation) for the line to be meant as an item.
    """
    found = []
    start = node.start_mark.index
    line_start = text.rfind("\n", 0, start) + 1
    for number, piece in enumerate(text[line_start:node.end_mark.index].split("\n")):
        content = piece.lstrip(" ")
        if line_start + len(piece) - len(content) >= start and _UNDASHED.match(content):
            line = first_line + node.start_mark.line + number  # numbered as Lines numbers values
            found.append(Advice(line, field, f"a list item needs a space after its dash: `- {_shortened(content[1:], 40)}`"))
            if len(found) == 10:  # a hostile value of thousands of lines needs no more
                break
        line_start += len(piece) + 1
    return found


def may_hide_list_items(node: yaml.Node) -> bool:
    """A cheap first look, on every value: whether undashed_items may find anything in it."""
    return (isinstance(node, yaml.ScalarNode) and not node.style and isinstance(node.value, str)  # plain: '' in C
            and (node.value.startswith("-") or (" -" in node.value and node.start_mark.line != node.end_mark.line)))


def list_example(key: str, items: list[str]) -> str:
    """key: [a, b], each item quoted when a list in brackets would misread it."""
    shown = [item if not re.search(r"[,\[\]{}\"']|: | #|:$", item) and not item.startswith(_INDICATORS)
             else json.dumps(item, ensure_ascii=False) for item in items]
    return f"{key}: [{', '.join(shown)}]"
