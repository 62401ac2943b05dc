"""Field types that validate themselves: each cleans one YAML value or reports what was expected.

The front-matter schema (schema.py) and the site settings (config.py) are declared as tables of
these, in the manner of MkDocs' config options. A bad value never stops the reading of the rest:
it is reported where it sits and replaced by INVALID.

Each type also says what a clean value looks like in the open data, as a JSON Schema (draft
2020-12), and in words, for the front-matter reference: the data's schema and the reference are
made from the same table that checks the files, so none of them can say something else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from .dates import parse_partial_date
from .inputs import find_control
from .model import Count, Problem, Severity
from .names import MAX_SLUG_LENGTH, SLUG, did_you_mean, is_slug, one_of, too_long
from .yaml_loader import Lines
from .yaml_messages import list_example

INVALID = object()  # a value that was reported and must not be used

# JSON Schema definitions that the types below refer to by "$ref": a document that uses these
# types carries them in its "$defs".
JSON_DEFINITIONS = {
    "date": {"type": "string", "pattern": r"^[0-9]{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?)?$",
             "description": "As written: YYYY-MM-DD, YYYY-MM or YYYY; the form is the precision."},
    "count": {
        "type": "object", "required": ["low", "high"], "additionalProperties": False,
        "description": "A figure: low == high when exact, else the range the sources give.",
        "properties": {"low": {"type": "integer", "minimum": 0}, "high": {"type": "integer", "minimum": 0}},
    },
}


@dataclass
class Sink:
    """Collects the problems of one file, locating each by its key path."""

    path: str
    lines: Lines
    problems: list[Problem] = field(default_factory=list)

    def report(self, keys: tuple, message: str, severity: Severity) -> None:
        self.problems.append(Problem(self.path, self.lines.of(keys), _field_name(keys), message, severity))

    @property
    def has_errors(self) -> bool:
        return any(problem.is_error for problem in self.problems)


def _field_name(keys: tuple) -> str:
    """('sources', 1, 'url') → 'sources[2].url': list items counted from 1, as on the page."""
    name = ""
    for key in keys:
        name += f"[{key + 1}]" if isinstance(key, int) else (f".{key}" if name else str(key))
    return name or "front matter"


@dataclass(frozen=True)
class Spot:
    """Where a value sits: which file and which keys lead to it."""

    sink: Sink
    keys: tuple = ()

    def at(self, key) -> Spot:
        return Spot(self.sink, self.keys + (key,))

    def error(self, message: str) -> object:
        self.sink.report(self.keys, message, Severity.ERROR)
        return INVALID

    def warning(self, message: str) -> None:
        self.sink.report(self.keys, message, Severity.WARNING)


def _kind(value) -> str:
    if value is None:
        return "empty"
    return {dict: "a mapping", list: "a list", str: "text", bool: "true/false"}.get(type(value), "a number")


class Field:
    """A value's rules. `clean` returns the clean value, or INVALID after reporting why."""

    def __init__(self, required: bool = False, help: str = ""):
        self.required = required
        self.help = help  # what a missing required value needs, said in its message

    def clean(self, value, spot: Spot):
        return value

    def json_schema(self, defs: dict) -> dict:
        """The clean value in the open data. A type with a name of its own puts its schema in defs
        and returns a reference to it."""
        return {}

    def describe(self) -> str:
        """The value's form in words, for the front-matter reference."""
        return "any value"


def _anchored(pattern: str) -> str:
    """A pattern that must match the whole text (Python's fullmatch) as a JSON Schema pattern,
    which matches anywhere in the text unless anchored."""
    return f"^{pattern}$" if "|" not in pattern else f"^(?:{pattern})$"


def _code(words) -> str:
    return ", ".join(f"`{word}`" for word in words)


class Text(Field):
    def clean(self, value, spot):
        if not isinstance(value, str):
            hint = " (put it in quotes)" if isinstance(value, (int, float, bool)) else ""
            return spot.error(f"must be text, not {_kind(value)}{hint}")
        value = value.strip()
        if not value:
            return spot.error("must not be empty")
        control = find_control(value)
        if control:  # written as a YAML escape ("\e", "\0", "\uFFFE"): the file itself is checked when read
            return spot.error(f"has a control character (U+{ord(control.group()):04X}), which no page or feed "
                              "may carry: remove the escape that makes it")
        return value

    def json_schema(self, defs):
        return {"type": "string", "minLength": 1}

    def describe(self):
        return "text"


class Flag(Field):
    """true or false. The open data says only true: a flag left false is a field the record lacks."""

    def clean(self, value, spot):
        if not isinstance(value, bool):
            return spot.error(f"must be true or false, not {_kind(value)}")
        return value

    def json_schema(self, defs):
        return {"const": True}

    def describe(self):
        return "`true` or `false`"


class Whole(Field):
    def __init__(self, minimum: int = 0, **kwargs):
        super().__init__(**kwargs)
        self.minimum = minimum

    def clean(self, value, spot):
        if isinstance(value, bool) or not isinstance(value, int):
            return spot.error(f"must be a whole number, not {_kind(value)}")
        if value < self.minimum:
            return spot.error(f"must be at least {self.minimum}")
        return value

    def json_schema(self, defs):
        return {"type": "integer", "minimum": self.minimum}

    def describe(self):
        return f"a whole number, at least {self.minimum}" if self.minimum else "a whole number"


class Number(Field):
    def __init__(self, low: float, high: float, **kwargs):
        super().__init__(**kwargs)
        self.low, self.high = low, high

    def clean(self, value, spot):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return spot.error(f"must be a number, not {_kind(value)}")
        if not self.low <= value <= self.high:
            return spot.error(f"{value} is out of range ({self.low:g} to {self.high:g})")
        return float(value)

    def json_schema(self, defs):
        return {"type": "number", "minimum": self.low, "maximum": self.high}

    def describe(self):
        return f"a number from {self.low:g} to {self.high:g}"


class Pattern(Text):
    def __init__(self, pattern: str, expected: str, **kwargs):
        super().__init__(**kwargs)
        self._pattern = re.compile(pattern)
        self.expected = expected

    @property
    def pattern(self) -> re.Pattern[str]:
        return self._pattern

    def clean(self, value, spot):
        value = super().clean(value, spot)
        if value is not INVALID and not self.pattern.fullmatch(value):
            return spot.error(f"'{value}' is not {self.expected}")
        return value

    def json_schema(self, defs):
        return {"type": "string", "pattern": _anchored(self.pattern.pattern)}

    def describe(self):
        return self.expected


class Slug(Text):
    def clean(self, value, spot):
        value = super().clean(value, spot)
        if value is not INVALID and not is_slug(value):
            return spot.error(
                f"'{value}' is not a valid id: use lower-case letters, digits and single hyphens"
            )
        if value is not INVALID and len(value) > MAX_SLUG_LENGTH:
            return spot.error(too_long(value))
        return value

    def json_schema(self, defs):
        return {"type": "string", "pattern": _anchored(SLUG.pattern), "maxLength": MAX_SLUG_LENGTH}

    def describe(self):
        return f"an id: lower-case letters, digits and single hyphens, at most {MAX_SLUG_LENGTH} characters"


class Choice(Text):
    """One term of a vocabulary, with a "did you mean" for a near miss."""

    def __init__(self, choices, **kwargs):
        super().__init__(**kwargs)
        self.choices = tuple(choices)

    def clean(self, value, spot):
        value = super().clean(value, spot)
        if value is not INVALID and value not in self.choices:
            return spot.error(f"unknown term '{value}'{did_you_mean(value, self.choices)}; use one of: {one_of(self.choices)}")
        return value

    def json_schema(self, defs):
        return {"enum": list(self.choices)}

    def describe(self):
        return f"one of {_code(self.choices)}"


class Date(Field):
    def clean(self, value, spot):
        try:
            return parse_partial_date(value)
        except ValueError as reason:
            return spot.error(str(reason))

    def json_schema(self, defs):
        return {"$ref": "#/$defs/date"}

    def describe(self):
        return "a date: `YYYY-MM-DD`, `YYYY-MM` or `YYYY`, shown at the precision written (\"March 2022\")"


class Url(Text):
    def __init__(self, untracked: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.untracked = untracked  # warn of parameters that identify who shared the link

    def clean(self, value, spot):
        value = super().clean(value, spot)
        if value is INVALID:
            return value
        problem = web_address_problem(value)
        if problem:
            return spot.error(problem)
        tracking, cleaned = without_tracking(value) if self.untracked else ((), value)
        if tracking:
            spot.warning(f"carries {', '.join(tracking)}, which can identify who shared or clicked the link: "
                         f"use {cleaned}")
        return value

    def json_schema(self, defs):
        # A scheme in any case, as browsers and the check accept it (JSON Schema's regular
        # expressions have no flag for case).
        return {"type": "string", "pattern": "^[Hh][Tt][Tt][Pp][Ss]?://"}

    def describe(self):
        return "a web address, `http://` or `https://`"


def web_address_problem(value: str) -> str | None:
    """Why value is not an http(s) address a reader's browser can follow; None when it is.

    Stricter than urllib, which accepts a host with spaces and raises on a bad port or bracket
    only when asked for them, so that what passes here never breaks a later stage.
    """
    if not value.lower().startswith(("http://", "https://")):
        return f"'{value}' is not a web address: it must start with http:// or https://"
    if any(char.isspace() for char in value):
        return f"'{value}' has a space in it: write each space in the address as %20"
    try:
        parts = urlsplit(value)
        _ = parts.port  # raises on a port that is not a number from 0 to 65535
    except ValueError as error:
        return f"'{value}' is not a valid web address ({error})"
    if "@" in parts.netloc:
        return f"'{value}' has a user name or password before its host: give the address without them"
    host = parts.hostname or ""
    if not (_HOST_NAME.fullmatch(host) or _is_ip_literal(parts.netloc)) or len(host) > 253:
        return f"'{value}' does not have a valid host name after {parts.scheme}://"
    return None


# Query parameters that identify who shared or clicked a link (a sharer's account, a click on an
# ad or a post), anywhere, and those that do so only on the hosts that add them (YouTube's and
# Spotify's si, X's s and t). Campaign tags (utm_*) name where a link was shared, which is as telling.
_TRACKING_ANYWHERE = frozenset({"fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "ttclid",
                                "twclid", "igsh", "igshid", "mibextid", "mc_eid", "_hsenc", "_hsmi"})
_TRACKING_ON_HOSTS = {
    "si": ("youtube.com", "youtu.be", "spotify.com"),
    "s": ("x.com", "twitter.com"),
    "t": ("x.com", "twitter.com"),
}


def without_tracking(address: str) -> tuple[tuple[str, ...], str]:
    """(the tracking parameters the address carries, the address without them), the rest kept as written."""
    if "?" not in address:
        return (), address  # most addresses: no query, nothing to parse
    parts = urlsplit(address)
    host = (parts.hostname or "").lower()
    kept, found = [], []
    for item in parts.query.split("&") if parts.query else ():
        name = item.split("=", 1)[0].lower()
        hosts = _TRACKING_ON_HOSTS.get(name, ())
        if (name in _TRACKING_ANYWHERE or name.startswith("utm_")
                or any(host == domain or host.endswith("." + domain) for domain in hosts)):
            found.append(name)
        else:
            kept.append(item)
    if not found:
        return (), address
    return tuple(dict.fromkeys(found)), parts._replace(query="&".join(kept)).geturl()


# Labels of letters (any script: internationalised names), digits, hyphens and underscores.
_HOST_NAME = re.compile(r"(?:[^\W_]|[\w-]*[^\W_])(?:\.(?:[^\W_]|[\w-]*[^\W_]))*\.?", re.UNICODE)


def _is_ip_literal(netloc: str) -> bool:
    return netloc.startswith("[") and "]" in netloc  # urlsplit has checked the brackets' contents


class CountField(Field):
    """A casualty figure: a whole number, or a range written '8-10'."""

    _RANGE = re.compile(r"(\d{1,15})\s*[-–]\s*(\d{1,15})")
    # Past 2^53 a figure is no longer exact in JSON (JavaScript's numbers); no count comes near it.
    LARGEST = 2**53 - 1

    def clean(self, value, spot):
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            low = high = value
        else:
            match = self._RANGE.fullmatch(value.strip()) if isinstance(value, str) else None
            if not match:
                return spot.error(f"must be a whole number or a range such as \"8-10\", not {value!r}")
            low, high = int(match[1]), int(match[2])
        if low > high:
            return spot.error(f"the range {value!r} runs backwards")
        if high > self.LARGEST:
            return spot.error(f"{high} is larger than any count can be")
        return Count(low, high)

    def json_schema(self, defs):
        return {"$ref": "#/$defs/count"}

    def describe(self):
        return 'a whole number, or a range in quotes (`"8-10"`) when the sources differ'


class ListOf(Field):
    """A list of one kind of item; a single item is accepted as a list of one.

    Text with commas where a list was meant (`categories: shelling, civilians`) is told how to be
    written as a list: a warning when the whole text is a valid item all the same (a term may hold a
    comma), an error when only its parts are.
    """

    MAX_PARTS = 50  # more is no list written by hand, and each part is checked

    def __init__(self, item: Field, min_items: int = 0, **kwargs):
        super().__init__(**kwargs)
        self.item = item
        self.min_items = min_items

    def clean(self, value, spot):
        if isinstance(value, str) and "," in value and self._is_comma_separated(value.strip(), spot):
            return INVALID
        items = value if isinstance(value, list) else [value]
        if len(items) < self.min_items:
            return spot.error(f"needs at least {self.min_items} item{'s' if self.min_items > 1 else ''}")
        cleaned = [self.item.clean(item, spot.at(index)) for index, item in enumerate(items)]
        return tuple(item for item in cleaned if item is not INVALID)

    def json_schema(self, defs):
        # An empty list is a field the record lacks: the open data leaves it out.
        return {"type": "array", "minItems": max(1, self.min_items), "items": self.item.json_schema(defs)}

    def describe(self):
        least = f" of at least {self.min_items}" if self.min_items > 1 else ""
        return f"a list{least} (a single item may be written alone); each item: {self.item.describe()}"

    def _is_comma_separated(self, text: str, spot: Spot) -> bool:
        """Whether text is only valid as items separated by commas (an error, reported); a text that
        is valid both ways gets a warning."""
        parts = [part.strip() for part in text.split(",")]
        if not 1 < len(parts) <= self.MAX_PARTS or not all(_is_valid(self.item, part) for part in parts):
            return False
        example = list_example(str(spot.keys[-1]) if spot.keys else "items", parts)
        if _is_valid(self.item, text):
            spot.warning(f"is one item with commas in it, '{text}': for several items, write a list: {example}")
            return False
        spot.error(f"is text with commas, not a list: write it as a list: {example}")
        return True


def _is_valid(rule: Field, value) -> bool:
    """Whether rule accepts value, reporting nothing."""
    trial = Sink("", Lines(None, 1))
    return rule.clean(value, Spot(trial)) is not INVALID and not trial.has_errors


class Record(Field):
    """A mapping with known keys. Unknown keys are warnings, with a "did you mean"."""

    def __init__(self, fields: dict[str, Field], shorthand: str | None = None,
                 one_of_required: tuple[str, ...] = (), paired: tuple[str, str] | None = None,
                 name: str | None = None, **kwargs):
        super().__init__(**kwargs)
        self.fields = fields
        self.shorthand = shorthand  # a plain text value stands for {shorthand: value}
        self.one_of_required = one_of_required
        self.paired = paired  # two keys given both or neither (lat and lon)
        self.name = name  # its JSON Schema is a definition of this name, shared by every use

    def clean(self, value, spot):
        if isinstance(value, str) and self.shorthand:
            value = {self.shorthand: value}
        if not isinstance(value, dict):
            return spot.error(f"must be a mapping of fields, not {_kind(value)}")
        cleaned = {}
        for key, raw in value.items():
            key = str(key)
            if key not in self.fields:
                spot.at(key).warning(f"unknown field{did_you_mean(key, self.fields)}")
            elif raw is None:
                continue  # left empty, as a template leaves it: a required one is reported below
            else:
                cleaned[key] = self.fields[key].clean(raw, spot.at(key))
        self._check_required(value, spot)
        cleaned = {key: item for key, item in cleaned.items() if item is not INVALID}
        if self.paired and (self.paired[0] in cleaned) != (self.paired[1] in cleaned):
            spot.error(f"give both {self.paired[0]} and {self.paired[1]}, or neither")
        return cleaned

    def _check_required(self, value: dict, spot: Spot) -> None:
        for key, rule in self.fields.items():
            if rule.required and value.get(key) is None:
                spot.at(key).error("is required" + (f": {rule.help}" if rule.help else ""))
        if self.one_of_required and not any(value.get(key) is not None for key in self.one_of_required):
            spot.error(f"needs {' or '.join(self.one_of_required)}")

    def json_schema(self, defs):
        schema: dict = {"type": "object"}
        required = [key for key, rule in self.fields.items() if rule.required]
        if required:
            schema["required"] = required
        elif not self.one_of_required:
            schema["minProperties"] = 1  # an empty mapping is a field the record lacks: left out
        schema["additionalProperties"] = False
        if self.one_of_required:
            schema["anyOf"] = [{"required": [key]} for key in self.one_of_required]
        schema["properties"] = {key: rule.json_schema(defs) for key, rule in self.fields.items()}
        if self.paired:
            first, second = self.paired
            schema["dependentRequired"] = {first: [second], second: [first]}
        if not self.name:
            return schema
        defs[self.name] = schema
        return {"$ref": f"#/$defs/{self.name}"}

    def describe(self):
        keys = "; ".join(f"`{key}`{' (required)' if rule.required else ''}: {rule.describe()}"
                         for key, rule in self.fields.items())
        mapping = f"a mapping of {keys}"
        if self.one_of_required:
            mapping += f"; {' or '.join(f'`{key}`' for key in self.one_of_required)} is required"
        if self.paired:
            mapping += f"; `{self.paired[0]}` and `{self.paired[1]}` both or neither"
        return f"{mapping}; or text alone, for its `{self.shorthand}`" if self.shorthand else mapping


class Table(Field):
    """A mapping whose keys are names the archive chooses (statuses, taxonomies) and whose values share one rule."""

    def __init__(self, value: Field, key: Field | None = None, **kwargs):
        super().__init__(**kwargs)
        self.value = value
        self.key = key or Text()

    def clean(self, value, spot):
        if not isinstance(value, dict):
            return spot.error(f"must be a mapping, not {_kind(value)}")
        cleaned = {}
        for key, raw in value.items():
            name = self.key.clean(key, spot.at(key))
            item = self.value.clean(raw, spot.at(key))
            if name is not INVALID and item is not INVALID:
                cleaned[name] = item
        return cleaned

    def json_schema(self, defs):
        return {"type": "object", "additionalProperties": self.value.json_schema(defs)}

    def describe(self):
        return f"a mapping of names to {self.value.describe()}"
