"""keras_wgan.data.reachability: one connection per host says whether a download can start."""

import socket

import pytest

from keras_wgan.data import reachability


@pytest.fixture
def no_proxy(monkeypatch):
    for name in ("http_proxy", "https_proxy", "ftp_proxy", "all_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)


def closed_port():
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_listening_host_is_reachable(no_proxy):
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        urls = [f"http://127.0.0.1:{closed_port()}/a", f"http://127.0.0.1:{port}/b"]
        assert reachability.unreachable(urls, timeout=2, pause=0) is None


def test_no_host_answering_is_told_in_a_few_words(no_proxy, monkeypatch):
    port = closed_port()
    tries = []
    real = reachability.socket.create_connection
    monkeypatch.setattr(reachability.socket, "create_connection",
                        lambda *a, **kw: tries.append(a[0]) or real(*a, **kw))
    why = reachability.unreachable([f"https://127.0.0.1:{port}/x.gz"] * 3, timeout=2, pause=0.1)
    assert tries == [("127.0.0.1", port)] * reachability.ATTEMPTS  # one host, once per round
    assert why.startswith(f"127.0.0.1 port {port}: ") and "\n" not in why
    assert "refused" in why.lower()


def test_a_name_that_does_not_resolve(no_proxy):
    why = reachability.unreachable(["https://no-such-host.invalid/data.zip"], timeout=2, pause=0)
    assert why.startswith("no-such-host.invalid port 443: its name does not resolve")


def test_nothing_is_refused_without_hosts_or_through_a_proxy(no_proxy, monkeypatch):
    assert reachability.unreachable([]) is None
    assert reachability.unreachable(["gs://bucket/file", "file:///tmp/x", "http://:80/"]) is None
    monkeypatch.setenv("https_proxy", "http://127.0.0.1:1")
    # Only the proxy could tell whether the host answers through it.
    assert reachability.unreachable([f"https://127.0.0.1:{closed_port()}/x"], pause=0) is None


def test_hosts_are_distinct_with_default_ports_and_bounded():
    urls = ["https://a.example/1", "https://a.example/2", "http://a.example/3",
            "ftp://b.example:2121/4", "http://c.example:notaport/5"]
    urls += [f"https://h{i}.example/" for i in range(10)]
    hosts = reachability.hosts_of(urls)
    assert hosts[:3] == [("https", "a.example", 443), ("http", "a.example", 80),
                         ("ftp", "b.example", 2121)]
    assert len(hosts) == reachability.MAX_HOSTS
