"""Where the server is and who we are: flags first, then SLUICE_* environment variables."""

from __future__ import annotations

import argparse
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit

from sluice_cli.exits import CliError

DEFAULT_TIMEOUT = 30.0
DEFAULT_RETRIES = 4


@dataclass(frozen=True)
class Config:
    url: str
    org: str
    # Kept out of repr so a traceback or a debug print never shows it.
    token: str = field(repr=False)
    timeout: float = DEFAULT_TIMEOUT
    retries: int = DEFAULT_RETRIES

    @property
    def api_base(self) -> str:
        return f"{self.url.rstrip('/')}/api/v1/orgs/{quote(self.org, safe='')}/"


def add_connection_flags(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("connection (flags override the environment)")
    group.add_argument("--sluice-url", metavar="URL", help="the Sluice server, e.g. https://sluice.example.com "
                                                          "(env SLUICE_URL)")
    group.add_argument("--org", metavar="SLUG", help="the organization's slug (env SLUICE_ORG)")
    group.add_argument("--token", metavar="TOKEN", help="an API token of the organization (env SLUICE_TOKEN; prefer "
                                                        "the variable: flags show up in process lists)")
    group.add_argument("--timeout", metavar="SECONDS", type=float,
                       help=f"per request (env SLUICE_TIMEOUT, default {DEFAULT_TIMEOUT:g})")
    group.add_argument("--retries", metavar="N", type=int,
                       help=f"retries on network errors, 5xx and 429 (env SLUICE_RETRIES, default {DEFAULT_RETRIES})")


def _setting(flag_value, environ: Mapping[str, str], variable: str, flag: str) -> str:
    value = flag_value if flag_value not in (None, "") else environ.get(variable, "")
    value = value.strip()
    if not value:
        raise CliError(f"{variable} is not set: export {variable}=... or pass {flag}.")
    return value


def _number(flag_value, environ: Mapping[str, str], variable: str, default, kind):
    if flag_value is not None:
        return flag_value
    raw = environ.get(variable, "").strip()
    if not raw:
        return default
    try:
        return kind(raw)
    except ValueError:
        raise CliError(f"{variable} must be a number, not '{raw}'.") from None


def config_from(args: argparse.Namespace, environ: Mapping[str, str] | None = None) -> Config:
    environ = os.environ if environ is None else environ
    url = _setting(args.sluice_url, environ, "SLUICE_URL", "--sluice-url")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise CliError(f"SLUICE_URL must be an http(s) URL such as https://sluice.example.com, not '{url}'.")
    timeout = _number(args.timeout, environ, "SLUICE_TIMEOUT", DEFAULT_TIMEOUT, float)
    retries = _number(args.retries, environ, "SLUICE_RETRIES", DEFAULT_RETRIES, int)
    # `not 0 < timeout` also refuses nan, which would only fail later, inside the socket.
    if not 0 < timeout < math.inf or retries < 0:
        raise CliError("The timeout must be a positive number of seconds and the number of retries zero or more.")
    return Config(url=url, org=_setting(args.org, environ, "SLUICE_ORG", "--org"),
                  token=_setting(args.token, environ, "SLUICE_TOKEN", "--token"), timeout=timeout, retries=retries)
