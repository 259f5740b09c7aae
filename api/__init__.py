"""The REST API (Django REST Framework, OpenAPI by drf-spectacular) and the API keys it
authenticates with. It reaches the domain through its services, selectors and permissions only."""
