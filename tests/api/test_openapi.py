"""The OpenAPI document matches the routes exactly, and the docs page is made from it."""
from __future__ import annotations

import re

from deliberate.api.openapi import OPERATIONS, PREFIX, document
from deliberate.api.schemas import COMPONENTS


def _routes(app) -> dict[tuple[str, str], set[tuple[str, str]]]:
    """(METHOD, /path/{param}) -> {(param, converter)} for every rule under /api/v1."""
    found = {}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(PREFIX + "/"):
            continue
        path = re.sub(r"<(?:(\w+):)?(\w+)>", lambda m: "{" + m.group(2) + "}", rule.rule.removeprefix(PREFIX))
        converters = {(name, type(conv).__name__) for name, conv in rule._converters.items()}
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            found[(method, path)] = converters
    return found


def test_every_route_is_documented_with_its_parameters_and_every_documented_path_exists(app, client):
    doc = client.get("/api/v1/openapi.json").get_json()
    documented = {(method.upper(), path): op for path, methods in doc["paths"].items() for method, op in methods.items()}
    routes = _routes(app)
    assert set(routes) == set(documented), {"undocumented": sorted(set(routes) - set(documented)),
                                            "not routed": sorted(set(documented) - set(routes))}
    for key, converters in routes.items():
        params = {p["name"]: p for p in documented[key]["parameters"] if p["in"] == "path"}
        assert set(params) == {name for name, _conv in converters}, key
        assert set(re.findall(r"\{(\w+)\}", key[1])) == set(params), key
        for name, conv in converters:
            expected = "integer" if conv == "IdConverter" else "string"
            assert params[name]["schema"]["type"] == expected and params[name]["required"], (key, name)


def test_every_operation_documents_its_errors_and_security(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"] == "3.1.0" and doc["servers"] == [{"url": "/api/v1"}]
    for path, methods in doc["paths"].items():
        for method, op in methods.items():
            codes = set(op["responses"])
            assert {"401", "403", "429"} <= codes, (method, path)
            if "requestBody" in op:
                assert {"400", "413", "415", "422"} <= codes, (method, path)
            if method != "get":
                assert op["security"] == [{"bearerToken": [op["x-scope"]]}], (method, path)
                assert op["x-scope"] in ("write", "vote")
            for code, response in op["responses"].items():
                if code.startswith(("4", "5")):
                    assert response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}


def test_request_and_response_objects_are_closed():
    """Every object in the schemas lists its fields and allows no others (free-form dicts excepted)."""
    free = []

    def walk(schema, where):
        if schema.get("type") == "object" and "properties" in schema:
            assert schema.get("additionalProperties") is False, where
            for name, sub in schema["properties"].items():
                walk(sub, f"{where}.{name}")
        elif schema.get("type") == "object":
            free.append(where)
        for option in schema.get("anyOf", []):
            walk(option, where)
        if isinstance(schema.get("items"), dict):
            walk(schema["items"], f"{where}[]")

    for name, schema in COMPONENTS.items():
        walk(schema, name)
    # Policies and the terms copied from them are documented in docs/governance.md (voting/policy.py).
    assert set(free) <= {"Error.error.fields", "Standard.policy", "Standard.policy_stored", "Amendment.terms",
                         "NewPolicyChange.policy",
                         "Vote.terms", "Vote.rule", "Vote.running_totals", "Outcome.counts", "Outcome.details"}


def test_the_document_is_built_from_the_declarations():
    doc = document()
    assert sum(len(m) for m in doc["paths"].values()) == len(OPERATIONS)
    assert len({op.endpoint for op in OPERATIONS}) == len(OPERATIONS)


def test_the_docs_page_shows_every_operation_and_schema_without_scripts_or_cdn(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    for op in OPERATIONS:
        assert f"{op.method} /api/v1{op.path}" in html and f'id="{op.endpoint}"' in html
    for name in COMPONENTS:
        assert f'id="schema-{name}"' in html
    assert "Needs a token with the “<code>vote</code>” scope." in html and "&#34;choice&#34;: &#34;for&#34;" in html
    # Only script files (CSP script-src 'self'); JSON data blocks of the layout do not run.
    assert not re.search(r"<script(?![^>]*\b(?:src=|type=\"application/json\"))[^>]*>", html), "inline script"
    assert not re.search(r"""(?:src|href)=["']https?://""", html), "external resources"
    assert "Content-Security-Policy" in response.headers
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
