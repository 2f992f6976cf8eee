"""TMDB credentials: a v4 token or a v3 key, and keeping both out of logs and messages."""

import logging
from dataclasses import dataclass, field

REDACTED = "***"


@dataclass(frozen=True)
class Credentials:
    """A v4 read-access token (sent as a Bearer header) or a v3 ``api_key`` parameter.

    ``origin`` says where they came from when it is not the environment variable of the same
    name (e.g. a Secrets Manager secret), so a 401 names what to fix.
    """

    # Out of repr: a Credentials in a message or a traceback's locals must not show them.
    token: str | None = field(default=None, repr=False)
    api_key: str | None = field(default=None, repr=False)
    origin: str | None = None

    @property
    def secrets(self) -> tuple[str, ...]:
        return tuple(s for s in (self.token, self.api_key) if s)

    @property
    def setting(self) -> str:
        if self.origin:
            return self.origin
        return "TMDB_API_TOKEN" if self.token else "TMDB_API_KEY"

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return text


class RedactingFilter(logging.Filter):
    """Blanks secrets in library log records (urllib3 logs full URLs at debug level)."""

    def __init__(self, credentials: Credentials) -> None:
        super().__init__()
        self.credentials = credentials

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = self.credentials.redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True
