"""Reading and writing terms documents as YAML or JSON.

YAML is read with a safe loader tuned for contract data:

* dates stay text (``2026-01-01``) and the model parses them, the same as in JSON;
* only ``true``/``false`` are booleans, so ``country: NO`` is Norway, not false;
* numbers with a leading zero stay text, so ``registration_id: 01234567`` keeps its zeros;
* numbers with a decimal point become ``Decimal``, never ``float``;
* aliases (``*name``) are refused, and duplicate keys are reported, not silently merged.

Every problem becomes a :class:`~pactline.terms.errors.TermsIssue` with the path of
the field at fault and the line it is on, worked out from the YAML node tree.
"""

from __future__ import annotations

import copy
import json
import os
import re
from collections.abc import Iterator, Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path, PurePath
from typing import Any, Literal

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from pactline.terms.errors import TermsError, TermsIssue
from pactline.terms.schema import PATTERN_MESSAGES, RULES_ERROR_TYPE, TermsDocument, _dotted

__all__ = [
    "MAX_TERMS_CHARS",
    "TermsFormat",
    "dump_terms",
    "issues_from_validation_error",
    "load_terms",
    "load_terms_file",
    "validate_terms_data",
]

TermsFormat = Literal["yaml", "json"]

MAX_TERMS_CHARS = 1_000_000
"""Largest terms document accepted, in characters."""

Loc = tuple[str | int, ...]

_FLOAT_TAG = "tag:yaml.org,2002:float"
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
_YAML_LINE_BREAKS = "\r\x85\u2028\u2029"


# --------------------------------------------------------------------------- YAML dialect


class _TermsYamlLoader(yaml.SafeLoader):
    """A safe YAML loader with YAML 1.2-like scalars and no aliases."""

    yaml_implicit_resolvers: dict[Any, list[tuple[str, re.Pattern[str]]]] = {}  # noqa: RUF012

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.composer.ComposerError(
                None,
                None,
                "aliases (*name) are not allowed in a terms document; write the value out",
                event.start_mark,
            )
        return super().compose_node(parent, index)

    def construct_decimal(self, node: yaml.Node) -> Decimal:
        text = str(self.construct_scalar(node))  # type: ignore[arg-type]
        special = {".inf": "Infinity", "+.inf": "Infinity", "-.inf": "-Infinity", ".nan": "NaN"}
        try:
            return Decimal(special.get(text.lower(), text))
        except InvalidOperation:
            raise yaml.constructor.ConstructorError(
                None, None, f"'{text}' is not a number", node.start_mark
            ) from None


_TermsYamlLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)
_TermsYamlLoader.add_implicit_resolver(
    "tag:yaml.org,2002:int",
    re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$"),
    list("-+0123456789"),
)
_TermsYamlLoader.add_implicit_resolver(
    _FLOAT_TAG,
    re.compile(
        r"^(?:[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+][0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+0123456789."),
)
_TermsYamlLoader.add_implicit_resolver(
    "tag:yaml.org,2002:null",
    re.compile(r"^(?:~|null|Null|NULL|)$"),
    ["~", "n", "N", ""],
)
_TermsYamlLoader.add_constructor(_FLOAT_TAG, _TermsYamlLoader.construct_decimal)


class _TermsYamlDumper(yaml.SafeDumper):
    """Safe dumper that writes dates unquoted and quotes anything YAML 1.1 would retype.

    It keeps every YAML 1.1 implicit type except timestamps, a superset of what
    :class:`_TermsYamlLoader` retypes, so every plain scalar it writes reads back as text.
    """

    yaml_implicit_resolvers = {  # noqa: RUF012
        first: [(tag, regexp) for tag, regexp in resolvers if tag != _TIMESTAMP_TAG]
        for first, resolvers in yaml.SafeDumper.yaml_implicit_resolvers.items()
    }

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        # Indent list items under their key, as people write them.
        super().increase_indent(flow, False)

    def represent_text(self, data: str) -> yaml.ScalarNode:
        style: str | None = None
        if any(char in data for char in _YAML_LINE_BREAKS):
            # Outside double quotes YAML would fold these into ordinary line breaks.
            style = '"'
        elif "\n" in data:
            style = "|"
        return self.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_TermsYamlDumper.add_representer(str, _TermsYamlDumper.represent_text)


# --------------------------------------------------------------------------- public API


def load_terms(text: str, *, source: str = "<string>", format: str | None = None) -> TermsDocument:
    """Parse and validate a terms document given as YAML or JSON text.

    ``format`` is ``"yaml"`` or ``"json"``; without it the extension of ``source``
    decides (``.json``, ``.yaml``, ``.yml``), then the text itself (``{`` means JSON).
    Raises :class:`TermsError` listing every problem found.
    """
    chosen = _choose_format(text, source, format)
    text = text.removeprefix("\ufeff")
    if len(text) > MAX_TERMS_CHARS:
        raise TermsError(
            [
                TermsIssue(
                    "",
                    f"the document is too large (over {MAX_TERMS_CHARS:,} characters)",
                    None,
                    source,
                )
            ]
        )
    if chosen == "json":
        data, root, issues = _parse_json(text, source)
    else:
        data, root, issues = _parse_yaml(text, source)
    return _validate(data, root=root, source=source, issues=issues)


def load_terms_file(path: str | os.PathLike[str]) -> TermsDocument:
    """Read and validate a terms file (``.yaml``, ``.yml`` or ``.json``).

    Raises :class:`TermsError` when the file cannot be read or is not valid.
    """
    source = os.fspath(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        issue = TermsIssue("", "cannot read the file: it is not UTF-8 text", None, source)
        raise TermsError([issue]) from None
    except OSError as error:
        reason = error.strerror or str(error)
        issue = TermsIssue("", f"cannot read the file: {reason}", None, source)
        raise TermsError([issue]) from None
    return load_terms(text, source=source)


def validate_terms_data(data: object, *, source: str = "<data>") -> TermsDocument:
    """Validate already-parsed data (an API request body, say) as a terms document.

    Raises :class:`TermsError` with plain-English issues; lines are ``None``.
    """
    return _validate(data, root=None, source=source, issues=[])


def dump_terms(doc: TermsDocument, format: TermsFormat = "yaml") -> str:
    """Write a terms document as YAML or JSON text that :func:`load_terms` reads back equal.

    Empty optional fields are left out; amounts are written as quoted decimals.
    """
    data = _prune(doc.model_dump(mode="json"))
    if format == "json":
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    if format == "yaml":
        return yaml.dump(
            data,
            Dumper=_TermsYamlDumper,
            sort_keys=False,
            allow_unicode=True,
            default_flow_style=False,
            width=100,
        )
    raise ValueError(f"unknown terms format {format!r}: use 'yaml' or 'json'")


def issues_from_validation_error(
    error: ValidationError, *, source: str = "<string>", root: yaml.Node | None = None
) -> list[TermsIssue]:
    """Turn a Pydantic ``ValidationError`` from :class:`TermsDocument` into plain issues.

    ``root`` is the YAML node tree of the text, when there is one, for line numbers.
    """
    return _issues_from_details(error.errors(include_url=False), root=root, source=source)


def _issues_from_details(
    details: Sequence[ErrorDetails], *, root: yaml.Node | None, source: str
) -> list[TermsIssue]:
    issues: list[TermsIssue] = []
    for detail in details:
        loc: Loc = tuple(detail["loc"])
        if detail["type"] == RULES_ERROR_TYPE:
            for rule in (detail.get("ctx") or {}).get("rules", []):
                rule_loc = loc + tuple(rule["loc"])
                issues.append(_issue(rule_loc, str(rule["message"]), root, source))
            continue
        issues.append(
            _issue(loc, _plain_message(detail), root, source, missing=detail["type"] == "missing")
        )
    return issues


# --------------------------------------------------------------------------- parsing


def _choose_format(text: str, source: str, format: str | None) -> TermsFormat:
    if format is not None:
        wanted = format.lower().lstrip(".")
        if wanted == "json":
            return "json"
        if wanted in ("yaml", "yml"):
            return "yaml"
        raise ValueError(f"unknown terms format {format!r}: use 'yaml' or 'json'")
    suffix = PurePath(source).suffix.lower()
    if suffix == ".json":
        return "json"
    if suffix in (".yaml", ".yml"):
        return "yaml"
    return "json" if text.lstrip("\ufeff \t\r\n").startswith("{") else "yaml"


def _parse_yaml(text: str, source: str) -> tuple[object, yaml.Node | None, list[TermsIssue]]:
    try:
        loader = _TermsYamlLoader(text)
        try:
            root = loader.get_single_node()
            data = loader.construct_document(root) if root is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as error:
        raise TermsError([_yaml_syntax_issue(error, source)]) from None
    except yaml.reader.ReaderError as error:
        line = text.count("\n", 0, error.position) + 1
        message = f"invalid YAML: character {error.character:#06x} is not allowed"
        raise TermsError([TermsIssue("", message, line, source)]) from None
    except yaml.YAMLError as error:
        raise TermsError([TermsIssue("", f"invalid YAML: {error}", None, source)]) from None
    except RecursionError:
        raise TermsError(
            [TermsIssue("", "invalid YAML: nested too deeply", None, source)]
        ) from None
    return data, root, _duplicate_key_issues(root, source)


def _yaml_syntax_issue(error: yaml.MarkedYAMLError, source: str) -> TermsIssue:
    problem = error.problem or "cannot be read"
    if error.context:
        problem = f"{problem} {error.context}"
    mark = error.problem_mark or error.context_mark
    line = mark.line + 1 if mark is not None else None
    return TermsIssue("", f"invalid YAML: {problem}", line, source)


def _parse_json(text: str, source: str) -> tuple[object, yaml.Node | None, list[TermsIssue]]:
    try:
        data = json.loads(text, parse_float=Decimal, parse_constant=Decimal)
    except json.JSONDecodeError as error:
        raise TermsError(
            [TermsIssue("", f"invalid JSON: {error.msg}", error.lineno, source)]
        ) from None
    except RecursionError:
        raise TermsError(
            [TermsIssue("", "invalid JSON: nested too deeply", None, source)]
        ) from None
    # JSON is (nearly) YAML: its node tree gives line numbers and finds duplicate keys.
    # Should the YAML parser trip over some JSON corner, issues simply have no lines.
    # Outside strings, JSON tabs are only whitespace (inside, they must be escaped), so
    # spaces in their place keep every line and column while YAML accepts the text.
    root: yaml.Node | None
    try:
        loader = _TermsYamlLoader(text.replace("\t", " "))
        try:
            root = loader.get_single_node()
        finally:
            loader.dispose()
    except (yaml.YAMLError, RecursionError):
        root = None
    return data, root, _duplicate_key_issues(root, source)


def _duplicate_key_issues(root: yaml.Node | None, source: str) -> list[TermsIssue]:
    issues: list[TermsIssue] = []
    for loc, node in _walk_nodes(root, ()):
        if not isinstance(node, yaml.MappingNode):
            continue
        first_lines: dict[str, int] = {}
        for key_node, _value in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                continue
            line = key_node.start_mark.line + 1
            if key_node.value in first_lines:
                first = first_lines[key_node.value]
                message = (
                    "duplicate key: given more than once"
                    if first == line
                    else f"duplicate key; the first is on line {first}"
                )
                issues.append(TermsIssue(_dotted((*loc, key_node.value)), message, line, source))
            else:
                first_lines[key_node.value] = line
    return issues


def _walk_nodes(node: yaml.Node | None, loc: Loc) -> Iterator[tuple[Loc, yaml.Node]]:
    if node is None:
        return
    yield loc, node
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else "?"
            yield from _walk_nodes(value_node, (*loc, key))
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            yield from _walk_nodes(item, (*loc, index))


# --------------------------------------------------------------------------- validation


def _validate(
    data: object, *, root: yaml.Node | None, source: str, issues: list[TermsIssue]
) -> TermsDocument:
    if not isinstance(data, dict):
        found = "empty" if data is None else f"a {_kind_of(data)}"
        issues = [
            *issues,
            TermsIssue(
                "",
                f"the document must be a mapping of sections starting with 'pactline: 1', "
                f"but it is {found}",
                _node_line(root),
                source,
            ),
        ]
        raise TermsError(issues)
    try:
        document = TermsDocument.model_validate(data)
    except ValidationError as error:
        issues = [*issues, *issues_from_validation_error(error, source=source, root=root)]
        issues += _rules_despite_unknown_fields(data, error, root=root, source=source)
    if issues:
        raise TermsError(_ordered(issues))
    return document


def _rules_despite_unknown_fields(
    data: dict[Any, Any], error: ValidationError, *, root: yaml.Node | None, source: str
) -> list[TermsIssue]:
    """Rules broken by the rest of the document, once its unknown fields are set aside.

    A section's cross-field rules only run when all its fields are valid, so an
    unknown field would hide them. Setting unknown fields aside cannot make a rule
    break that would not otherwise (no rule reads them), so this second look only
    adds true problems. Fields with bad values stay, and keep their rules waiting.
    """
    pruned = copy.deepcopy(data)
    removed = False
    for detail in error.errors(include_url=False):
        if detail["type"] == "extra_forbidden":
            removed |= _remove_key(pruned, tuple(detail["loc"]))
    if not removed:
        return []
    try:
        TermsDocument.model_validate(pruned)
    except ValidationError as second:
        rules_only = [d for d in second.errors(include_url=False) if d["type"] == RULES_ERROR_TYPE]
        return _issues_from_details(rules_only, root=root, source=source)
    return []


def _remove_key(data: object, loc: Loc) -> bool:
    *parents, last = loc
    for part in parents:
        in_mapping = isinstance(data, dict) and part in data
        in_list = isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data)
        if not (in_mapping or in_list):
            return False
        data = data[part]  # type: ignore[index]
    if isinstance(data, dict) and last in data:
        del data[last]
        return True
    return False


def _ordered(issues: Sequence[TermsIssue]) -> list[TermsIssue]:
    unique = list(dict.fromkeys(issues))
    return sorted(unique, key=lambda issue: (issue.line is not None, issue.line or 0))


def _kind_of(data: object) -> str:
    if isinstance(data, list):
        return "list"
    if isinstance(data, str):
        return "single piece of text"
    return "single value"


def _issue(
    loc: Loc, message: str, root: yaml.Node | None, source: str, *, missing: bool = False
) -> TermsIssue:
    line = _line_for(root, loc, missing=missing)
    return TermsIssue(_dotted(loc), message, line, source)


def _node_line(node: yaml.Node | None) -> int | None:
    return node.start_mark.line + 1 if node is not None else None


def _line_for(root: yaml.Node | None, loc: Loc, *, missing: bool) -> int | None:
    """Line of the field at ``loc``, or of its nearest enclosing field that is in the text."""
    node = root
    line: int | None = None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = None
            for key_node, value_node in reversed(node.value):  # the last duplicate wins
                if isinstance(key_node, yaml.ScalarNode) and key_node.value == str(part):
                    match = (key_node, value_node)
                    break
            if match is None:
                break
            line = match[0].start_mark.line + 1
            node = match[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if not 0 <= part < len(node.value):
                break
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    if line is None and not missing and root is not None and loc == ():
        return _node_line(root)
    return line


# --------------------------------------------------------------------------- messages

_TYPE_MESSAGES = {
    "missing": "required",
    "extra_forbidden": "unknown field",
    "string_type": "must be text",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "date_type": "must be a date written YYYY-MM-DD, like 2026-01-31",
    "date_parsing": "must be a date written YYYY-MM-DD, like 2026-01-31",
    "date_from_datetime_parsing": "must be a date written YYYY-MM-DD, like 2026-01-31",
    "date_from_datetime_inexact": "must be a date written YYYY-MM-DD, like 2026-01-31",
    "decimal_type": 'must be an amount, like "1200000.00"',
    "decimal_parsing": 'must be an amount, like "1200000.00"',
    "decimal_max_digits": "has too many digits",
    "decimal_whole_digits": "has too many digits",
    "finite_number": "must be a finite number, not NaN or infinity",
    "model_type": "must be a section of fields (name: value)",
    "model_attributes_type": "must be a section of fields (name: value)",
    "dict_type": "must be a section of fields (name: value)",
    "list_type": "must be a list",
    "tuple_type": "must be a list",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "none_required": "must be empty",
    "invalid_key": "field names must be text",
}

_EMPTY_INPUT_TYPES = {
    "string_type",
    "int_type",
    "decimal_type",
    "model_type",
    "model_attributes_type",
    "dict_type",
    "list_type",
    "tuple_type",
    "date_type",
    "terms_date",
    "terms_money",
}


def _plain_message(detail: ErrorDetails) -> str:
    kind = detail["type"]
    ctx: dict[str, Any] = dict(detail.get("ctx") or {})
    loc = tuple(detail["loc"])
    if loc == ("pactline",):
        if kind == "missing":
            return "required: every terms document starts with 'pactline: 1'"
        if kind == "literal_error":
            return f"must be 1: this Pactline reads format version 1 (found {detail['input']!r})"
    if kind in _EMPTY_INPUT_TYPES and detail.get("input", ...) is None:
        return "must not be empty"
    if kind.startswith("terms_"):
        return detail["msg"]
    if kind in ("enum", "literal_error"):
        return _one_of(str(ctx.get("expected", "")))
    if kind == "string_type" and isinstance(detail.get("input"), int | float | Decimal):
        return "must be text; put the value in quotes"
    if kind in _TYPE_MESSAGES:
        return _TYPE_MESSAGES[kind]
    if kind == "string_too_short":
        least = ctx.get("min_length", 1)
        return "must not be empty" if least == 1 else f"must be at least {least} characters"
    if kind == "string_too_long":
        return f"must be at most {ctx.get('max_length')} characters"
    if kind == "string_pattern_mismatch":
        return PATTERN_MESSAGES.get(str(ctx.get("pattern")), "is not in the expected format")
    if kind == "greater_than_equal":
        return f"must be at least {ctx.get('ge')}"
    if kind == "greater_than":
        return f"must be more than {ctx.get('gt')}"
    if kind == "less_than_equal":
        return f"must be at most {ctx.get('le')}"
    if kind == "less_than":
        return f"must be less than {ctx.get('lt')}"
    if kind == "decimal_max_places":
        places = ctx.get("decimal_places")
        return f"must have at most {places} decimal places"
    if kind == "too_long":
        return f"must have at most {ctx.get('max_length')} items"
    if kind == "value_error":
        return str(ctx.get("error", detail["msg"]))
    message = detail["msg"]
    return message[:1].lower() + message[1:]


def _one_of(expected: str) -> str:
    choices = re.findall(r"'((?:[^'\\]|\\.)*)'", expected) or [expected]
    if len(choices) == 1:
        return f"must be {choices[0]}"
    return f"must be one of: {', '.join(choices)}"


def _prune(value: Any) -> Any:
    """Drop ``None`` values and empty lists from dumped data (both are the defaults)."""
    if isinstance(value, dict):
        return {
            key: _prune(item)
            for key, item in value.items()
            if item is not None and not (isinstance(item, list) and not item)
        }
    if isinstance(value, list):
        return [_prune(item) for item in value]
    return value
