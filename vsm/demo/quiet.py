"""What `make demo` keeps off the terminal: log lines (tasks run in-process and log as they go)
and the emails the console backend would print go to one file under the data folder, so the
terminal shows the progress and the summary a newcomer needs."""

from __future__ import annotations

import logging
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.console import EmailBackend as ConsoleEmailBackend

CONSOLE_BACKEND = "django.core.mail.backends.console.EmailBackend"


def log_path() -> Path:
    return Path(settings.DATA_DIR) / "demo.log"


class LogFileEmailBackend(ConsoleEmailBackend):
    """The console backend, writing to the demo's log file instead of the terminal."""

    def __init__(self, *args, **kwargs):
        kwargs["stream"] = log_path().open("a", encoding="utf-8")
        super().__init__(*args, **kwargs)

    def close(self):
        try:
            super().close()
        finally:
            self.stream.close()


def send_to_log_file() -> Path:
    """Move every stream log handler to the log file, and console email (the default without
    EMAIL_HOST) there too. Returns the file."""
    path = log_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    loggers = [logging.getLogger(), *(logging.getLogger(name) for name in logging.root.manager.loggerDict)]
    for logger in loggers:
        for handler in list(getattr(logger, "handlers", [])):
            if type(handler) is logging.StreamHandler:
                file_handler = logging.FileHandler(path, encoding="utf-8")
                file_handler.setFormatter(handler.formatter)
                file_handler.setLevel(handler.level)
                for log_filter in handler.filters:
                    file_handler.addFilter(log_filter)
                logger.removeHandler(handler)
                logger.addHandler(file_handler)
    if settings.EMAIL_BACKEND == CONSOLE_BACKEND:
        settings.EMAIL_BACKEND = "vsm.demo.quiet.LogFileEmailBackend"
    return path
