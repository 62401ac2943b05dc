"""Read stage: find the archive's Markdown files and split each into front matter (with lines) and body."""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

import yaml
from frontmatter.default_handlers import YAMLHandler

from .model import BodySource, Problem, Severity, digest

INCIDENTS_DIR = "content/incidents"
PAGES_DIR = "content/pages"
HOME_FILE = "content/_index.md"
MEDIA_DIR = "content/media"

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class FrontMatterLoader(_BaseLoader):
    """PyYAML's safe loader (C when available), with two YAML 1.1 surprises removed.

    - Only true/false are booleans: `country: NO` (Norway) or `tags: [on]` stay text.
    - Dates stay text, so that our own parser can keep their precision and explain a bad one,
      where PyYAML would turn `2022-02-30` into a traceback.
    """


FrontMatterLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if not tag.endswith((":bool", ":timestamp"))]
    for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
}
FrontMatterLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)

_HANDLER = YAMLHandler()


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


@dataclass
class RawFile:
    """One Markdown file as read: front matter not yet validated."""

    path: str  # relative to the archive folder, with forward slashes
    meta: dict
    lines: Lines
    body: str
    body_line: int  # file line of the body's first line
    body_start: int = 0  # offset of the body in the decoded text
    front_matter: str = ""

    @property
    def digest(self) -> str:
        return digest(self.path, self.front_matter)

    @property
    def body_source(self) -> BodySource:
        return BodySource(self.body_start, self.body_line, digest(self.body))


@dataclass
class Found:
    """The archive's files, each with its stamp (modification time and size) for the cache."""

    incidents: list[str]
    pages: list[str]
    media: list[str]  # relative to content/media
    stamps: dict[str, tuple[int, int]]
    problems: list[Problem]


def discover(root: Path) -> Found:
    """Relative paths of incident files, page files and media files, sorted, with problems of strays.

    A symbolic link is never followed: in a pull request, one could publish any file of the
    machine that builds the site.
    """
    problems: list[Problem] = []
    stamps: dict[str, tuple[int, int]] = {}
    incidents, strays = [], []
    for path in _files(root, INCIDENTS_DIR, problems, stamps):
        (incidents if path.endswith(".md") else strays).append(path)
    pages = [path for path in _files(root, PAGES_DIR, problems, stamps) if path.endswith(".md") and path.count("/") == 2]
    media = [path[len(MEDIA_DIR) + 1:] for path in _files(root, MEDIA_DIR, problems, stamps)]
    if (root / HOME_FILE).is_file():
        stamps[HOME_FILE] = _stamp(os.stat(root / HOME_FILE))
    problems += [
        Problem(stray, 1, "file", "not read: incident files must end in .md", Severity.WARNING)
        for stray in strays
    ]
    return Found(incidents, pages, media, stamps, problems)


def _files(root: Path, folder: str, problems: list[Problem], stamps: dict) -> list[str]:
    """Every file under folder, hidden ones skipped, sorted; os.walk because it needs no stat per entry."""
    found = []
    for directory, subdirectories, names in os.walk(root / folder):
        subdirectories[:] = [name for name in subdirectories if not name.startswith(".")]
        relative_dir = Path(directory).relative_to(root).as_posix()
        for name in names:
            if name.startswith("."):
                continue
            relpath = f"{relative_dir}/{name}"
            status = os.lstat(os.path.join(directory, name))
            if stat.S_ISLNK(status.st_mode):
                problems.append(Problem(relpath, 1, "file",
                                        "is a symbolic link: links are not followed; copy the file here instead"))
            elif stat.S_ISREG(status.st_mode):
                found.append(relpath)
                stamps[relpath] = _stamp(status)
        # A symbolic link to a folder is listed among the folders, and os.walk does not enter it.
        for name in subdirectories:
            if os.path.islink(os.path.join(directory, name)):
                problems.append(Problem(f"{relative_dir}/{name}", 1, "file",
                                        "is a symbolic link: links are not followed; copy the file here instead"))
    return sorted(found)


def _stamp(status: os.stat_result) -> tuple[int, int]:
    return status.st_mtime_ns, status.st_size


def read_file(root: Path, relpath: str) -> tuple[RawFile | None, list[Problem]]:
    """Decode and split one file; every way it can be unreadable becomes a Problem."""
    try:
        data = (root / relpath).read_bytes()
    except OSError as error:
        return None, [Problem(relpath, 1, "file", f"cannot be read: {error.strerror}")]
    text, problem = _decode(relpath, data)
    if problem:
        return None, [problem]
    return split_front_matter(relpath, text)


def _decode(relpath: str, data: bytes) -> tuple[str, Problem | None]:
    try:
        text = data.decode("utf-8-sig")  # a BOM, as Windows editors write, is accepted
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        byte = data[error.start]
        return "", Problem(relpath, line, "file", f"is not UTF-8 (byte 0x{byte:02x}); save it as UTF-8")
    return text.replace("\r\n", "\n").replace("\r", "\n"), None


def split_front_matter(relpath: str, text: str) -> tuple[RawFile | None, list[Problem]]:
    if not text.strip():
        return None, [Problem(relpath, 1, "file", "is empty: it needs front matter between --- lines")]
    if not _HANDLER.detect(text):
        return None, [Problem(relpath, 1, "front matter", "missing: the file must start with a line ---")]
    try:
        front, body = _HANDLER.split(text)
    except ValueError:
        return None, [Problem(relpath, 1, "front matter", "is not closed: add a line --- after it")]
    # The boundary pattern may swallow blank lines after the opening ---: count from where YAML starts.
    first_line = text[: _HANDLER.FM_BOUNDARY.match(text).end()].count("\n") + 1
    body_start = len(text) - len(body)
    body_line = text[:body_start].count("\n") + 1
    meta, root_node, problems = load_yaml(relpath, front, first_line)
    if meta is None:
        return None, problems
    return RawFile(relpath, meta, Lines(root_node, first_line), body, body_line, body_start, front), problems


class FileChanged(Exception):
    """A file edited while the site was being built, found by a stage that cannot report it itself.

    Its one argument is the Problem, so that it survives the trip from a worker process.
    """

    @property
    def problem(self) -> Problem:
        return self.args[0]


def read_body(root: Path, relpath: str, source: BodySource) -> tuple[str | None, Problem | None]:
    """A record's body, read again for conversion; a file edited since it was read is a problem."""
    try:
        text, problem = _decode(relpath, (root / relpath).read_bytes())
    except OSError as error:
        text, problem = "", Problem(relpath, 1, "file", f"cannot be read: {error.strerror}")
    body = text[source.start:]
    if problem is None and digest(body) != source.digest:
        problem = Problem(relpath, source.line, "file", "changed while the site was being built; build again")
    return (None, problem) if problem else (body, None)


def load_yaml(relpath: str, text: str, first_line: int = 1, what: str = "front matter"):
    """(mapping, root node, problems) for a YAML text; the mapping is None when it is unusable."""
    loader = FrontMatterLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, None, [Problem(relpath, first_line, what, "is empty")]
        duplicates = list(_duplicate_keys(relpath, node, first_line))
        if duplicates:
            return None, None, duplicates
        meta = loader.construct_document(node)
    except yaml.MarkedYAMLError as error:
        return None, None, [_yaml_problem(relpath, error, first_line, what)]
    except yaml.YAMLError as error:
        return None, None, [Problem(relpath, first_line, what, f"is not valid YAML: {error}")]
    finally:
        loader.dispose()
    if not isinstance(meta, dict):
        kind = type(meta).__name__
        line = first_line + node.start_mark.line
        return None, None, [Problem(relpath, line, what, f"must be a mapping of fields (key: value), not a {kind}")]
    return meta, node, []


def _yaml_problem(relpath: str, error: yaml.MarkedYAMLError, first_line: int, what: str) -> Problem:
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


def _duplicate_keys(relpath: str, node, first_line: int, trail: str = ""):
    """PyYAML silently keeps the last of two equal keys; a lost value must be an error."""
    if isinstance(node, yaml.MappingNode):
        seen = set()
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            name = f"{trail}.{key}" if trail else str(key)
            if key is not None and key in seen:
                line = first_line + key_node.start_mark.line
                yield Problem(relpath, line, name, "appears twice: the first value would be lost")
            seen.add(key)
            yield from _duplicate_keys(relpath, value_node, first_line, name)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value, start=1):
            yield from _duplicate_keys(relpath, item, first_line, f"{trail}[{index}]")
