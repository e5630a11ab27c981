"""`sluice`: the command-line client CI jobs use to talk to a Sluice server.

It speaks only the REST API (httpx), so it never imports Django and runs anywhere Python does.
"""

from importlib import metadata


def cli_version() -> str:
    try:
        return metadata.version("sluice-cli")
    except metadata.PackageNotFoundError:
        return "dev"
