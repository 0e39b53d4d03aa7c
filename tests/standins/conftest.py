"""The stand-ins' fixtures (tests/standins/sunoapi_fixtures.py, families.py) for the tests beside them."""

from tests.standins.families import acedata, acestep, behind_acedata, behind_acestep  # noqa: F401
from tests.standins.sunoapi_fixtures import behind_sunoapi, callbacks_on  # noqa: F401 - fixtures
