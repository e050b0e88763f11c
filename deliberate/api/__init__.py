"""The JSON API v1 and its OpenAPI document, calling the same services as the web pages."""
