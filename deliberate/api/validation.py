"""A small JSON Schema checker for the subset the API's schemas use. Pure: no Flask, no database.

The same schema dicts are published in the OpenAPI document and checked here, so what the
document promises is what the server enforces. Supported keywords: ``type`` (one or a list),
``properties``, ``required``, ``additionalProperties`` (false or a schema), ``items``,
``minItems``, ``maxItems``, ``uniqueItems``, ``enum``, ``const``, ``minLength``, ``maxLength``,
``pattern``, ``minimum``, ``maximum``, ``format`` (date-time, date) and ``anyOf`` and ``$ref`` to
``#/components/schemas/…``.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from functools import lru_cache
from typing import Any

_TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}
# Text that cannot be stored faithfully: NUL (PostgreSQL refuses it) and lone surrogates.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


@lru_cache(maxsize=256)
def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _type_names(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    for name in ("integer", "number", "string", "array", "object", "null"):
        if _TYPES[name](value):
            return {"integer": "an integer", "number": "a number", "string": "a string", "array": "a list",
                    "object": "an object", "null": "null"}[name]
    return "something else"


def _expected(types: list[str]) -> str:
    words = {"integer": "an integer", "number": "a number", "string": "a string", "array": "a list",
             "object": "an object", "null": "null", "boolean": "true or false"}
    return " or ".join(words[t] for t in types)


def validate(value: Any, schema: Mapping[str, Any], components: Mapping[str, Any] | None = None,
             path: str = "") -> dict[str, list[str]]:
    """Check ``value`` against ``schema``; returns {field path: [messages]} (empty when valid).

    Field paths are dotted ("ranking.0"); the body itself is "" (reported as "body").
    """
    errors: dict[str, list[str]] = {}
    _check(value, schema, components or {}, path, errors)
    return errors


def _add(errors: dict[str, list[str]], path: str, message: str) -> None:
    errors.setdefault(path or "body", []).append(message)


def _check(value: Any, schema: Mapping[str, Any], components: Mapping[str, Any], path: str,
           errors: dict[str, list[str]]) -> None:
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        _check(value, components[name], components, path, errors)
        return
    if "anyOf" in schema:
        if not any(not validate(value, option, components) for option in schema["anyOf"]):
            # Report the first option's complaints: the others are "or null" in this API.
            _check(value, schema["anyOf"][0], components, path, errors)
        return
    if "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(_TYPES[t](value) for t in types):
            _add(errors, path, f"Expected {_expected(types)}, got {_type_names(value)}.")
            return
    if "const" in schema and value != schema["const"]:
        _add(errors, path, f"Must be {schema['const']!r}.")
    if "enum" in schema and value not in schema["enum"]:
        _add(errors, path, "Must be one of: " + ", ".join(str(v) for v in schema["enum"]) + ".")
        return
    if isinstance(value, str):
        _check_string(value, schema, path, errors)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            _add(errors, path, f"At least {schema['minimum']}.")
        if "maximum" in schema and value > schema["maximum"]:
            _add(errors, path, f"At most {schema['maximum']}.")
    elif isinstance(value, list):
        _check_array(value, schema, components, path, errors)
    elif isinstance(value, dict):
        _check_object(value, schema, components, path, errors)


def _check_string(value: str, schema: Mapping[str, Any], path: str, errors: dict[str, list[str]]) -> None:
    if _UNSTORABLE.search(value):
        _add(errors, path, "Contains characters that cannot be stored (NUL or a lone surrogate).")
        return
    if "minLength" in schema and len(value) < schema["minLength"]:
        _add(errors, path, "This field is required." if schema["minLength"] == 1 else
             f"At least {schema['minLength']} characters.")
    if "maxLength" in schema and len(value) > schema["maxLength"]:
        _add(errors, path, f"At most {schema['maxLength']:,} characters.")
    if "pattern" in schema and not _regex(schema["pattern"]).search(value):
        _add(errors, path, "Not in the expected form.")
    fmt = schema.get("format")
    if fmt == "date-time":
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            _add(errors, path, "Not a date and time (use ISO 8601, e.g. 2026-11-26T14:30:00+00:00).")
        else:
            if moment.tzinfo is None:
                _add(errors, path, "Give the time zone (e.g. +00:00).")
    elif fmt == "date":
        try:
            date.fromisoformat(value)
        except ValueError:
            _add(errors, path, "Not a date (use 2026-11-26).")


def _check_array(value: list, schema: Mapping[str, Any], components: Mapping[str, Any], path: str,
                 errors: dict[str, list[str]]) -> None:
    if "minItems" in schema and len(value) < schema["minItems"]:
        _add(errors, path, f"At least {schema['minItems']} items.")
    if "maxItems" in schema and len(value) > schema["maxItems"]:
        _add(errors, path, f"At most {schema['maxItems']} items.")
        return
    if schema.get("uniqueItems"):
        seen = []
        for item in value:
            if item in seen:
                _add(errors, path, "Items must not repeat.")
                break
            seen.append(item)
    if "items" in schema:
        for index, item in enumerate(value):
            _check(item, schema["items"], components, f"{path}.{index}" if path else str(index), errors)


def _check_object(value: dict, schema: Mapping[str, Any], components: Mapping[str, Any], path: str,
                  errors: dict[str, list[str]]) -> None:
    properties = schema.get("properties", {})
    for name in schema.get("required", ()):
        if name not in value:
            _add(errors, f"{path}.{name}" if path else name, "This field is required.")
    extra = schema.get("additionalProperties", True)
    for name, item in value.items():
        where = f"{path}.{name}" if path else str(name)
        if name in properties:
            _check(item, properties[name], components, where, errors)
        elif extra is False:
            _add(errors, where, "Unknown field.")
        elif isinstance(extra, Mapping):
            _check(item, extra, components, where, errors)
