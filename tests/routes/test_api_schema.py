"""schemathesis over the OpenAPI document, in process (the ASGI app, no network): every
operation answers without a 5xx and as its schema says. Bounded and deterministic, so that
CI runs it on every push; it grows with the API by itself.

Driven through each operation's Hypothesis strategy rather than schemathesis' pytest plugin,
whose lazy fixture loader does not run under pytest 9 (it reads a private node attribute)."""

import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from schemathesis import Case

MAX_EXAMPLES = 25


def test_every_api_operation_conforms_to_its_schema(app: FastAPI) -> None:
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 3  # the cities list, one city, the health check
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=MAX_EXAMPLES,
            derandomize=True,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        )
        def conforms(case: Case) -> None:
            case.call_and_validate()

        conforms()
    # Random slugs name no city: a known one takes the 200 path through the same checks.
    city = schema["/api/v1/cities/{slug}"]["GET"]
    city.Case(path_parameters={"slug": "khon-kaen"}).call_and_validate()
