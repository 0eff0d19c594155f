from tests.integration.linking_practice import linking_store  # noqa: F401  (a fixture)
