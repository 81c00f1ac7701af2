"""Whether a download's hosts can be reached at all, asked before a slow retry loop starts.

TensorFlow Datasets retries a failed request 10 times with exponential backoff (urllib3's
``Retry(total=10, backoff_factor=0.2)``: about 3.5 minutes of waiting) before it reports a
machine with no network. One TCP connection per host, a few seconds at most, tells the same
thing up front. The check only ever refuses when no host answered; a proxy in the environment
means only the proxy could tell, so then nothing is refused here.
"""

import socket
import time
import urllib.parse
import urllib.request

#: Seconds one connection attempt may take, attempts per host, and seconds between rounds.
TIMEOUT = 5.0
ATTEMPTS = 2
PAUSE = 1.0
#: Hosts probed at most (a dataset may list hundreds of URLs, mostly on one or two hosts).
MAX_HOSTS = 4
_PORTS = {"http": 80, "https": 443, "ftp": 21}


def hosts_of(urls):
    """The distinct ``(scheme, host, port)`` of ``urls``, first seen first, at most ``MAX_HOSTS``."""
    found = []
    for url in urls:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in _PORTS or not parts.hostname:
            continue
        try:
            port = parts.port or _PORTS[parts.scheme]
        except ValueError:  # a port that is not a number: the downloader will say so
            continue
        key = (parts.scheme, parts.hostname, port)
        if key not in found:
            found.append(key)
    return found[:MAX_HOSTS]


def _through_proxy(scheme, host):
    proxies = urllib.request.getproxies()
    return (scheme in proxies or "all" in proxies) and not urllib.request.proxy_bypass(host)


def unreachable(urls, *, timeout=TIMEOUT, attempts=ATTEMPTS, pause=PAUSE):
    """None if some host of ``urls`` accepts a connection (or may, through a proxy), else
    ``"<host> port <port>: <reason>"`` for the first host, in a few words.

    Args:
        urls: the download's URLs; schemes other than http, https and ftp are ignored, and
            with none left nothing is refused.
        timeout: seconds per connection attempt. attempts: rounds over the hosts.
        pause: seconds between rounds (a passing network hiccup gets a second chance).
    """
    hosts = hosts_of(urls)
    if not hosts or any(_through_proxy(scheme, host) for scheme, host, _ in hosts):
        return None
    reasons = {}
    for round_ in range(attempts):
        if round_:
            time.sleep(pause)
        for _, host, port in hosts:
            try:
                socket.create_connection((host, port), timeout=timeout).close()
                return None
            except OSError as error:
                reasons[host, port] = _reason(error)
    (host, port), reason = next(iter(reasons.items()))
    return f"{host} port {port}: {reason}"


def _reason(error):
    if isinstance(error, socket.gaierror):
        return f"its name does not resolve ({error.strerror or error})"
    if isinstance(error, TimeoutError):
        return "no answer"
    return error.strerror or str(error) or type(error).__name__
