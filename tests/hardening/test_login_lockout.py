"""Issue 19 item 9: log-in lockout is not escaped by spreading guesses over addresses, over names, or over
the addresses of one IPv6 /64; and a stranger's guesses stay cheap to recover from (separate limits)."""

from __future__ import annotations

import pytest
from django.test import Client

from studio.lockout import client_network

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
RIGHT = "correct-horse-battery"


def attempt(address: str, username: str = "alice", password: str = "not-the-password") -> int:
    client = Client(REMOTE_ADDR=address)
    return client.post(LOGIN, {"username": username, "password": password}).status_code


@pytest.fixture
def limits(settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.LOGIN_USERNAME_FAILURE_LIMIT = 6
    settings.LOGIN_NETWORK_FAILURE_LIMIT = 6
    return settings


def test_guesses_at_one_name_spread_over_addresses_lock_that_name(owner, limits):
    for n in range(6):
        attempt(f"198.51.100.{n + 1}")  # never 3 from one address

    assert attempt("203.0.113.50", password=RIGHT) == 429  # locked for everyone, until the cool-off


def test_fewer_guesses_at_one_name_from_many_addresses_lock_nothing(owner, limits):
    for n in range(5):
        attempt(f"198.51.100.{n + 1}")

    assert attempt("203.0.113.50", password=RIGHT) == 302


def test_guesses_spread_over_names_from_one_address_lock_that_address(owner, limits):
    for n in range(6):
        attempt("198.51.100.7", username=f"user{n}")  # never 3 at one name

    assert attempt("198.51.100.7", password=RIGHT) == 429
    assert attempt("198.51.100.8", password=RIGHT) == 302  # another address is not held back


def test_guesses_from_the_addresses_of_one_ipv6_64_count_as_one_client(owner, limits):
    for n in range(3):
        attempt(f"2001:db8:1:2::{n + 1:x}")  # one subscriber's /64: a new address each time

    assert attempt("2001:db8:1:2:ffff::9", password=RIGHT) == 429
    assert attempt("2001:db8:1:3::1", password=RIGHT) == 302  # the next /64 is someone else


def test_a_successful_log_in_does_not_wipe_a_networks_count_of_other_names(owner, limits):
    for n in range(5):
        attempt("198.51.100.7", username=f"user{n}")
    assert attempt("198.51.100.7", password=RIGHT) == 302  # the attacker's own working account

    attempt("198.51.100.7", username="user9")

    assert attempt("198.51.100.7", password=RIGHT) == 429


@pytest.mark.parametrize(
    ("address", "network"),
    [
        ("192.0.2.7", "192.0.2.7"),
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::"),
        ("::ffff:192.0.2.7", "192.0.2.7"),
    ],
)
def test_a_client_network_is_an_ipv4_address_or_an_ipv6_64(address, network):
    assert client_network(address) == network
