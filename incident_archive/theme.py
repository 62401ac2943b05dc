"""Read stage for the theme: its templates and static files (the archive's own over the default's), links refused.

The theme is code that maintainers review, but a symbolic link in it is as invisible in a diff as
one in content/, so its files are found and read through the same gateway (inputs.py). The theme's
key, a digest of every file's bytes, tells the cache when pages made with an older theme are stale.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from . import catalogues, inputs
from .config import Config
from .model import Problem

if TYPE_CHECKING:
    import jinja2

STATIC = "static"
CATALOGUES = "locales"  # the interface's words in other languages: locales/uk.po (i18n.py)


@dataclass
class Theme:
    """Which folder each template and static file comes from, the theme's key, and what is wrong with it."""

    templates: dict[str, Path] = field(default_factory=dict)  # name → the theme folder holding it
    static: dict[str, Path] = field(default_factory=dict)  # path under static/ → the theme folder
    # language tag → its catalogues (locales/<tag>.po) as (shown path, bytes), the default theme's
    # first: the archive's own overrides it entry by entry (i18n.py).
    catalogues: dict[str, tuple[tuple[str, bytes], ...]] = field(default_factory=dict)
    key: str = ""
    problems: list[Problem] = field(default_factory=list)


def read_theme(config: Config) -> Theme:
    """Every file of every theme folder; the archive's own templates/ overrides the default theme file by file."""
    theme = Theme()
    hasher = hashlib.blake2b(digest_size=16)
    for folder in reversed(config.template_dirs):  # the default first, so that the archive's own win
        shown = f"{inputs.shown_path(folder, config.root)}/"
        for entry in inputs.walk(folder, ""):
            hasher.update(f"{folder}\0{entry.path}\0".encode("utf-8", "surrogateescape"))
            if entry.refused:
                theme.problems.append(Problem(f"{shown}{entry.path}", 1, "template", entry.refused))
                continue
            try:
                data = inputs.read_bytes(folder, entry.path)
            except OSError as error:
                theme.problems.append(Problem(f"{shown}{entry.path}", 1, "template", inputs.unreadable(error)))
                continue
            hasher.update(len(data).to_bytes(8, "little") + data)
            if entry.path.startswith(f"{STATIC}/"):
                theme.static[entry.path] = folder
            elif entry.path.startswith(f"{CATALOGUES}/"):  # messages.pot, the catalogues' template, is neither
                if entry.path.endswith(".po"):
                    code = entry.path[len(CATALOGUES) + 1: -len(".po")]
                    theme.catalogues[code] = (*theme.catalogues.get(code, ()), (f"{shown}{entry.path}", data))
            else:
                theme.templates[entry.path] = folder
    theme.key = hasher.hexdigest()
    theme.problems += catalogues.problems(theme.catalogues)
    return theme


def loader(theme: Theme) -> jinja2.BaseLoader:
    import jinja2

    class ThemeLoader(jinja2.BaseLoader):
        """Jinja's template loader, reading only the files the theme holds, through the gateway."""

        def get_source(self, environment, name):
            folder = theme.templates.get(name)
            if folder is None:
                raise jinja2.TemplateNotFound(name)
            filename = str(folder / name)
            try:
                data = inputs.read_bytes(folder, name)
            except OSError as error:
                raise jinja2.TemplateSyntaxError(inputs.unreadable(error), 1, name, filename) from None
            try:
                source = data.decode("utf-8")
            except UnicodeDecodeError as error:
                line = data[: error.start].count(b"\n") + 1
                raise jinja2.TemplateSyntaxError(f"is not UTF-8 (byte 0x{data[error.start]:02x}); save it as UTF-8",
                                                 line, name, filename) from None
            return source, filename, lambda: True  # a build reads each template once

    return ThemeLoader()
