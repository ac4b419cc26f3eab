"""The REST API under /api/v1: typed models, bearer keys with scopes, its OpenAPI document."""
