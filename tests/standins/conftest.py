"""The stand-ins' fixtures (tests/standins/sunoapi_fixtures.py) for the tests beside them."""

from tests.standins.sunoapi_fixtures import behind_sunoapi, callbacks_on  # noqa: F401 - fixtures
