"""The readable API documentation, prepared from the OpenAPI document for templates/api/docs.html.

Pure: takes the document (a dict) and returns plain data; the template only lays it out.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


def type_text(schema: dict[str, Any]) -> tuple[str, str | None]:
    """A short description of a schema's type and the component it links to, if any."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return name, name
    if "anyOf" in schema:
        parts = [type_text(s) for s in schema["anyOf"]]
        link = next((p[1] for p in parts if p[1]), None)
        return " or ".join(p[0] for p in parts), link
    kind = schema.get("type", "any")
    kinds = kind if isinstance(kind, list) else [kind]
    words = []
    link = None
    for k in kinds:
        if k == "array":
            inner, link = type_text(schema.get("items", {}))
            words.append(f"list of {inner}")
        elif k == "string" and schema.get("format"):
            words.append(f"string ({schema['format']})")
        else:
            words.append(k)
    text = " or ".join(words)
    limits = []
    if "enum" in schema:
        limits.append("one of " + ", ".join(str(v) for v in schema["enum"]))
    if "minLength" in schema:
        limits.append(f"at least {schema['minLength']} character{'s' if schema['minLength'] != 1 else ''}")
    if "maxLength" in schema:
        limits.append(f"at most {schema['maxLength']:,} characters")
    if "minimum" in schema:
        limits.append(f"≥ {schema['minimum']}")
    if "maximum" in schema:
        limits.append(f"≤ {schema['maximum']:,}")
    if "maxItems" in schema:
        limits.append(f"at most {schema['maxItems']} items")
    if "pattern" in schema:
        limits.append(f"matching {schema['pattern']}")
    if "default" in schema:
        limits.append(f"default {schema['default']}")
    return (f"{text}; {'; '.join(limits)}" if limits else text), link


@dataclass
class Field:
    name: str
    type: str
    link: str | None
    required: bool
    description: str


@dataclass
class SchemaDoc:
    name: str
    fields: list[Field]
    closed: bool


@dataclass
class OperationDoc:
    anchor: str
    method: str
    path: str
    summary: str
    description: str
    scope: str
    token_required: bool
    parameters: list[Field]
    body: str | None
    body_required: bool
    example: str | None
    success: str
    success_type: str
    success_link: str | None
    errors: list[tuple[str, str]] = field(default_factory=list)


def schema_fields(schema: dict[str, Any]) -> list[Field]:
    required = set(schema.get("required", ()))
    fields = []
    for name, sub in schema.get("properties", {}).items():
        text, link = type_text(sub)
        fields.append(Field(name, text, link, name in required, sub.get("description", "")))
    return fields


def prepare(document: dict[str, Any]) -> dict[str, Any]:
    """Tags with their operations, and every schema, ready to lay out."""
    by_tag: dict[str, list[OperationDoc]] = {t["name"]: [] for t in document.get("tags", [])}
    for path, methods in document["paths"].items():
        for method, op in methods.items():
            success_code = min(code for code in op["responses"] if code.startswith("2"))
            success = op["responses"][success_code]
            content = next(iter(success.get("content", {}).values()), {})
            success_type, success_link = type_text(content.get("schema", {})) if content else ("nothing", None)
            if success_type == "object" and "items" in content.get("schema", {}).get("properties", {}):
                inner, success_link = type_text(content["schema"]["properties"]["items"])
                success_type = f"a page: items ({inner}), next_cursor, next"
            body = op.get("requestBody")
            body_schema = next(iter(body["content"].values())) if body else None
            parameters = [Field(p["name"], *type_text(p["schema"]), p.get("required", False),
                                f"{p['in']}: {p.get('description', '')}") for p in op.get("parameters", [])]
            by_tag.setdefault(op["tags"][0], []).append(OperationDoc(
                anchor=op["operationId"], method=method.upper(), path=path, summary=op["summary"],
                description=op.get("description", ""), scope=op.get("x-scope", "read"),
                token_required={} not in op.get("security", [{}]),
                parameters=parameters,
                body=body_schema["schema"]["$ref"].rsplit("/", 1)[-1] if body_schema else None,
                body_required=bool(body and body.get("required")),
                example=json.dumps(body_schema["example"], indent=2, ensure_ascii=False)
                if body_schema and "example" in body_schema else None,
                success=f"{success_code} {success['description']}", success_type=success_type,
                success_link=success_link,
                errors=[(code, r["description"]) for code, r in op["responses"].items() if not code.startswith("2")]))
    schemas = [SchemaDoc(name, schema_fields(s), s.get("additionalProperties") is False)
               for name, s in document["components"]["schemas"].items()]
    return {"tags": by_tag, "schemas": schemas, "info": document["info"]}
