"""The SSRF guard: which links may be fetched. Resolvers are fakes; nothing touches the network."""

from __future__ import annotations

import socket

import pytest

from songs.gateway import netguard
from songs.gateway.netguard import UnsafeURL, check_url, is_public_ip

PRIVATE = "That link points to a private or local network address, which can't be used."
SCHEME = "Only http and https links can be used."
NOT_FOUND = "That link's host could not be found."
MALFORMED = "That link is not a valid web address."
USERINFO = "Links with a user name or password in them can't be used."
PORT = "That link's port number is not valid."


pytestmark = pytest.mark.usefixtures("no_real_network")


class FakeResolver:
    """Answers every name with the given addresses, in getaddrinfo's shape, and records the calls."""

    def __init__(self, *ips: str) -> None:
        self.ips = ips
        self.calls: list[tuple[str, int]] = []

    def __call__(self, host, port, family=0, type=0, proto=0, flags=0):
        self.calls.append((host, port))
        return [
            (socket.AF_INET6, socket.SOCK_STREAM, 6, "", (ip, port, 0, 0))
            if ":" in ip
            else (socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, port))
            for ip in self.ips
        ]


def must_not_resolve(*args, **kwargs):
    raise AssertionError("this link must be refused (or accepted) without a DNS lookup")


def nxdomain(*args, **kwargs):
    raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")


def refused(url: str, resolve=must_not_resolve) -> str:
    with pytest.raises(UnsafeURL) as info:
        check_url(url, resolve=resolve)
    assert str(info.value) == info.value.message
    return info.value.message


# --- is_public_ip ---------------------------------------------------------------------------

NON_PUBLIC_V4 = [
    "10.0.0.1",
    "10.255.255.255",
    "172.16.0.1",
    "172.31.255.255",
    "192.168.0.1",
    "192.168.255.255",
    "127.0.0.1",
    "127.255.255.254",
    "169.254.169.254",  # cloud metadata
    "169.254.0.1",
    "0.0.0.0",
    "0.1.2.3",
    "100.64.0.1",  # carrier-grade NAT
    "100.127.255.255",
    "198.18.0.1",  # benchmarking
    "198.19.255.255",
    "224.0.0.1",  # multicast (Python 3.11 calls some of these "global")
    "233.252.0.1",
    "239.255.255.250",
    "240.0.0.1",  # reserved
    "255.255.255.255",
    "192.0.0.1",
    "192.0.2.1",  # documentation
    "198.51.100.1",
    "203.0.113.1",
    "192.88.99.1",
]
NON_PUBLIC_V6 = [
    "::1",
    "::",
    "fc00::1",  # unique local
    "fd12:3456:789a::1",
    "fe80::1",  # link-local
    "fe80::1%eth0",
    "fec0::1",  # old site-local
    "ff02::1",  # multicast
    "ff0e::1",
    "2001:db8::1",  # documentation
    "100::1",  # discard
    "::ffff:127.0.0.1",  # IPv4-mapped loopback
    "::ffff:7f00:1",
    "::ffff:10.0.0.1",
    "::ffff:169.254.169.254",
    "::ffff:100.64.0.1",
    "::127.0.0.1",  # IPv4-compatible loopback
    "::a9fe:a9fe",
    "2002:7f00:1::",  # 6to4 around loopback
    "2002:a9fe:a9fe::",  # 6to4 around the metadata address
    "2002:5db8:d822::1",  # 6to4 around a public address: obsolete, refused all the same
    "2001:0:4136:e378:8000:63bf:80ff:fffe",  # Teredo
    "64:ff9b::7f00:1",  # NAT64 around loopback
    "64:ff9b::a9fe:a9fe",  # NAT64 around the metadata address
    "64:ff9b::a00:1",  # NAT64 around 10.0.0.1
    "64:ff9b:1::5db8:d822",  # local-use NAT64
    "::ffff:0:7f00:1",  # IPv4-translated
]
PUBLIC = [
    "93.184.216.34",
    "8.8.8.8",
    "1.1.1.1",
    "100.128.0.1",  # just past carrier-grade NAT
    "172.32.0.1",  # just past 172.16/12
    "198.20.0.1",  # just past benchmarking
    "169.255.0.1",
    "2606:2800:220:1::",
    "2606:2800:220:1:248:1893:25c8:1946",
    "2001:4860:4860::8888",
    "::ffff:93.184.216.34",  # mapped: the IPv4 address inside decides
    "64:ff9b::5db8:d822",  # NAT64 (DNS64 answers) of a public address
]


@pytest.mark.parametrize("ip", NON_PUBLIC_V4 + NON_PUBLIC_V6)
def test_is_public_ip_refuses_every_special_range(ip):
    assert not is_public_ip(ip)


@pytest.mark.parametrize("ip", PUBLIC)
def test_is_public_ip_allows_public_addresses(ip):
    assert is_public_ip(ip)


@pytest.mark.parametrize("text", ["", "example.com", "1.2.3", "256.1.1.1", "::g", "2130706433", " 8.8.8.8"])
def test_is_public_ip_says_no_to_what_is_not_an_address(text):
    assert not is_public_ip(text)


# --- Literal addresses in links -----------------------------------------------------------------


@pytest.mark.parametrize("ip", NON_PUBLIC_V4)
def test_it_refuses_links_to_non_public_ipv4_literals(ip):
    assert refused(f"http://{ip}/song.mp3") == PRIVATE


@pytest.mark.parametrize("ip", [ip for ip in NON_PUBLIC_V6 if "%" not in ip])
def test_it_refuses_links_to_non_public_ipv6_literals(ip):
    assert refused(f"https://[{ip}]:8443/song.mp3") == PRIVATE


@pytest.mark.parametrize(
    "host",
    [
        "2130706433",  # 127.0.0.1 as one decimal number
        "0x7f000001",  # ... in hex
        "0x7f.1",  # hex and short form
        "0x7F.0.0.1",
        "017700000001",  # octal
        "0177.0.0.1",
        "127.1",  # short form
        "127.0.1",
        "2852039166",  # 169.254.169.254 in decimal
        "0xa9fea9fe",  # ... in hex
        "0251.0376.0251.0376",  # ... in octal
        "0",  # 0.0.0.0
        "10.1",  # 10.0.0.1
        "3232235521",  # 192.168.0.1
        "１２７。0。0。1",  # full-width digits and ideographic dots fold to 127.0.0.1
        "127.0.0.1.",  # the root label
    ],
)
def test_it_refuses_numeric_forms_of_private_addresses_without_resolving(host):
    assert refused(f"http://{host}/") == PRIVATE


@pytest.mark.parametrize(
    "host", ["[::1]", "[::ffff:127.0.0.1]", "[::ffff:7f00:1]", "[0:0:0:0:0:ffff:7f00:1]", "[fe80::1%25eth0]"]
)
def test_it_refuses_bracketed_ipv6_loopback_and_link_local_forms(host):
    assert refused(f"http://{host}/") == PRIVATE


@pytest.mark.parametrize("host", ["999.1.1.1", "1.2.3.4.5", "08", "1.2.3.0x", "example.123"])
def test_it_refuses_hosts_that_look_numeric_but_are_no_address(host):
    assert refused(f"http://{host}/") == MALFORMED


def test_it_accepts_a_public_ipv4_literal_without_resolving():
    parts, ips = check_url("http://93.184.216.34/a.mp3", resolve=must_not_resolve)
    assert ips == ["93.184.216.34"]
    assert parts.hostname == "93.184.216.34"


def test_it_normalises_a_numeric_public_address_to_dotted_form():
    parts, ips = check_url("http://1572395042/a.mp3?x=1", resolve=must_not_resolve)
    assert ips == ["93.184.216.34"]
    assert parts.netloc == "93.184.216.34"
    assert parts.geturl() == "http://93.184.216.34/a.mp3?x=1"


def test_it_accepts_a_public_ipv6_literal_and_keeps_its_brackets_and_port():
    parts, ips = check_url("https://[2606:2800:220:1::]:8443/a.mp3", resolve=must_not_resolve)
    assert ips == ["2606:2800:220:1::"]
    assert parts.netloc == "[2606:2800:220:1::]:8443"
    assert (parts.hostname, parts.port) == ("2606:2800:220:1::", 8443)


# --- Names and what they resolve to -------------------------------------------------------------


def test_it_resolves_a_name_and_returns_the_vetted_addresses():
    resolver = FakeResolver("93.184.216.34", "2606:2800:220:1::", "93.184.216.34")
    parts, ips = check_url("https://Music.Example.com/songs/a.mp3?sig=abc#frag", resolve=resolver)
    assert ips == ["93.184.216.34", "2606:2800:220:1::"]  # each once, in the resolver's order
    assert resolver.calls == [("music.example.com", 443)]
    assert parts.geturl() == "https://music.example.com/songs/a.mp3?sig=abc"


def test_it_resolves_with_the_links_port():
    resolver = FakeResolver("93.184.216.34")
    check_url("http://music.example.com:8080/a.mp3", resolve=resolver)
    check_url("http://music.example.com/a.mp3", resolve=resolver)
    assert resolver.calls == [("music.example.com", 8080), ("music.example.com", 80)]


def test_it_resolves_and_returns_an_international_name_in_ascii():
    resolver = FakeResolver("93.184.216.34")
    parts, _ = check_url("https://bücher.example/a.mp3", resolve=resolver)
    assert resolver.calls == [("xn--bcher-kva.example", 443)]
    assert parts.hostname == "xn--bcher-kva.example"


@pytest.mark.parametrize(
    "answers",
    [
        ("10.0.0.7",),
        ("127.0.0.1",),
        ("169.254.169.254",),
        ("::1",),
        ("fd00::7",),
        ("::ffff:10.0.0.7",),
        ("93.184.216.34", "10.0.0.7"),  # one bad answer spoils them all
        ("10.0.0.7", "93.184.216.34"),
        ("2606:2800:220:1::", "::1"),
        ("93.184.216.34", "fe80::1%eth0"),
    ],
)
def test_it_refuses_a_name_if_any_answer_is_not_public(answers):
    assert refused("https://music.example.com/a.mp3", resolve=FakeResolver(*answers)) == PRIVATE


def test_it_refuses_a_metadata_style_name_that_resolves_inside():
    resolver = FakeResolver("169.254.169.254")
    assert refused("http://metadata.cloud.example/computeMetadata/v1/", resolve=resolver) == PRIVATE


@pytest.mark.parametrize(
    "host",
    [
        "localhost",
        "LOCALHOST",
        "localhost.",
        "api.localhost",
        "printer.local",
        "metadata.google.internal",
        "router.home.arpa",
        "box.localdomain",
        "ip6-localhost",
    ],
)
def test_it_refuses_local_names_whatever_a_resolver_says(host):
    # Even a resolver that claims a public address cannot make these names public.
    assert refused(f"http://{host}/a.mp3", resolve=FakeResolver("93.184.216.34")) == PRIVATE


def test_it_reports_an_unresolvable_host():
    assert refused("https://no-such-host.example/a.mp3", resolve=nxdomain) == NOT_FOUND


def test_it_reports_a_host_without_answers():
    assert refused("https://empty.example/a.mp3", resolve=FakeResolver()) == NOT_FOUND


def test_it_reports_a_resolver_that_cannot_encode_the_name():
    def broken(*args, **kwargs):
        raise UnicodeError("label too long")

    assert refused("https://music.example/a.mp3", resolve=broken) == NOT_FOUND


def test_it_refuses_an_answer_that_is_not_an_internet_address():
    def unix(host, port, **kwargs):
        return [(socket.AF_UNIX, socket.SOCK_STREAM, 0, "", "/run/socket")]

    assert refused("https://music.example/a.mp3", resolve=unix) == PRIVATE


# --- Shape of the link --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "ftp://music.example/a.mp3",
        "file:///etc/passwd",
        "gopher://music.example:70/_GET",
        "javascript:alert(1)",
        "data:audio/mpeg;base64,SUQz",
        "dict://music.example:11211/stat",
        "mailto:someone@example.com",
        "//music.example/a.mp3",  # no scheme
        "music.example/a.mp3",
    ],
)
def test_it_refuses_schemes_other_than_http_and_https(url):
    assert refused(url) == SCHEME


@pytest.mark.parametrize("url", ["HTTP://Music.Example/a.mp3", "Https://music.example/a.mp3"])
def test_it_accepts_either_case_of_http_schemes(url):
    parts, _ = check_url(url, resolve=FakeResolver("93.184.216.34"))
    assert parts.scheme in {"http", "https"}
    assert parts.hostname == "music.example"


@pytest.mark.parametrize(
    "url",
    [
        "http://user:pass@music.example/a.mp3",
        "http://user@music.example/a.mp3",
        "http://:@music.example/a.mp3",
        "http://music.example@127.0.0.1/",  # looks like music.example, goes to 127.0.0.1
    ],
)
def test_it_refuses_user_info(url):
    assert refused(url) == USERINFO


@pytest.mark.parametrize(
    "url",
    [
        "http://music.example\\@127.0.0.1/",  # parsers disagree about backslashes
        "http://music.exa\tmple/a.mp3",  # urlsplit would silently drop the tab
        "http://music.example/a b.mp3",
        "http://music.example/a.mp3\r\nX-Injected: 1",
        "http://music.example/\x00",
        "http://[::1/",
        "http://%6cocalhost/",
        "http://music..example/",
        "http://" + "a" * 64 + ".example/",  # a DNS label is at most 63 characters
    ],
)
def test_it_refuses_malformed_links(url):
    assert refused(url) == MALFORMED


@pytest.mark.parametrize("url", ["http:///a.mp3", "https://", "http://:80/", "http:a.mp3"])
def test_it_refuses_links_without_a_host(url):
    assert refused(url) == "That link has no host name."


@pytest.mark.parametrize("port", ["0", "65536", "99999", "http", "-1"])
def test_it_refuses_invalid_ports(port):
    assert refused(f"http://music.example:{port}/a.mp3") == PORT


def test_it_allows_any_valid_port():
    parts, _ = check_url("http://music.example:6379/a.mp3", resolve=FakeResolver("93.184.216.34"))
    assert parts.port == 6379


def test_it_refuses_overlong_links_but_takes_one_at_the_limit():
    head = "https://music.example/"
    at_limit = head + "a" * (netguard.MAX_URL_LENGTH - len(head))
    check_url(at_limit, resolve=FakeResolver("93.184.216.34"))
    assert "too long" in refused(at_limit + "a")


@pytest.mark.parametrize("url", ["", "   ", None])
def test_it_asks_for_a_link_when_given_none(url):
    assert refused(url) == "Please give a link to fetch."


def test_it_ignores_surrounding_spaces():
    parts, _ = check_url("  https://music.example/a.mp3 ", resolve=FakeResolver("93.184.216.34"))
    assert parts.geturl() == "https://music.example/a.mp3"


def test_unsafe_url_is_a_value_error_with_a_message():
    error = UnsafeURL("Only http and https links can be used.")
    assert isinstance(error, ValueError)
    assert error.message == str(error) == SCHEME
