"""The stand-ins' fixtures (tests/standins/families.py) for the tests beside them."""

from tests.standins.families import acedata, acestep, behind_acedata, behind_acestep  # noqa: F401
