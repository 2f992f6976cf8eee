"""The TMDB token from AWS Secrets Manager: read once when the run starts, never shown.

``TMDB_API_TOKEN_SECRET`` names the secret (its name or ARN). Its value is the v4 token as plain
text, or JSON with a ``token`` (v4 token) or ``api_key`` (v3 key) field, so a secret that holds
other fields too can carry it. Every way reading it can fail (missing, denied, unreachable, a
value of the wrong shape) becomes one sentence naming the secret and the setting. No message
here ever includes the value, nor text quoted from it.
"""

import json
import logging
import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import dagster as dg
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
)
from dagster_aws.secretsmanager import SecretsManagerResource

from horror_lake import settings
from horror_lake.raw.tmdb.credentials import Credentials

SETTING = "TMDB_API_TOKEN_SECRET"
# A run start is no place to wait: an unreachable Secrets Manager fails after 3 attempts.
MAX_ATTEMPTS = 3

# dagster-aws marks its resource beta each time it is built: noise in every run's output, about
# a class users never see.
warnings.filterwarnings("ignore", message="Class `SecretsManagerResource`", category=dg.BetaWarning)
SHAPE = 'plain text (a v4 token), or JSON with a "token" or "api_key" field'
# botocore's error codes for credentials that are missing, unknown, expired or not allowed.
DENIED = {
    "AccessDenied",
    "AccessDeniedException",
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "InvalidSignatureException",
    "SignatureDoesNotMatch",
    "ExpiredToken",
    "ExpiredTokenException",
    "IncompleteSignature",
    "MissingAuthenticationToken",
}


class SecretError(RuntimeError):
    """The secret can't be read or used; the message names it and the setting, not its value."""


def parse_secret(value: str | None) -> Credentials:
    """Credentials from the secret's text; ValueError (saying what shape it has) otherwise."""
    text = (value or "").strip()
    if not text:
        raise ValueError(f"the value is empty; expected {SHAPE}")
    if not text.startswith(("{", "[", '"')):  # no TMDB token or key starts like JSON
        if any(c.isspace() for c in text):
            raise ValueError(f"the value is not a single token; expected {SHAPE}")
        return Credentials(token=text)
    try:
        fields = json.loads(text)
    except ValueError:
        # json's message quotes no value, but its position would point into the secret.
        raise ValueError(
            f"the value starts like JSON but is not valid JSON; expected {SHAPE}"
        ) from None
    if not isinstance(fields, dict):
        raise ValueError(f"the value is JSON but not an object; expected {SHAPE}")
    token, api_key = _field(fields, "token"), _field(fields, "api_key")
    if not (token or api_key):
        # Not even the field names are quoted: a misplaced token could be one.
        raise ValueError('the JSON has no non-empty "token" or "api_key" field')
    # Both present: the token, as with the environment settings (v4 is preferred).
    return Credentials(token=token) if token else Credentials(api_key=api_key)


def _field(fields: dict[str, Any], name: str) -> str | None:
    value = fields.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f'the "{name}" field is not a string')
    return value.strip() or None


def secret_region(secret_id: str) -> str | None:
    """The region inside an ARN (``arn:aws:secretsmanager:<region>:...``), where it must be read."""
    parts = secret_id.split(":")
    if len(parts) >= 7 and parts[0] == "arn" and parts[2] == "secretsmanager":
        return parts[3] or None
    return None


def read_token_secret(secret_id: str) -> Credentials:
    """The credentials in the secret, through dagster-aws's Secrets Manager resource."""
    return read_secret(SecretsManagerResource(max_attempts=MAX_ATTEMPTS), secret_id)


def read_secret(resource: SecretsManagerResource, secret_id: str) -> Credentials:
    """The credentials in the secret, read with dagster-aws's client; SecretError otherwise.

    The client is built in the secret's region: the resource's own setting, else the ARN's,
    else AWS_REGION (boto3 itself reads only AWS_DEFAULT_REGION). boto3 reads the endpoint
    (AWS_ENDPOINT_URL) and the credentials from the environment, profile or role.
    """
    where = f"{SETTING} {secret_id}"
    region = resource.region_name or secret_region(secret_id) or settings.current().aws_region
    client = None
    try:
        client = resource.model_copy(update={"region_name": region}).get_client()
        with unlogged_response_bodies():
            answer = client.get_secret_value(SecretId=secret_id)
    except ClientError as error:
        raise SecretError(f"{where}: {_client_problem(error, secret_id, region)}") from None
    except BotoCoreError as error:
        raise SecretError(f"{where}: {_connection_problem(error, client)}") from None
    if answer.get("SecretString") is None:
        raise SecretError(f"{where}: the secret holds binary data; expected {SHAPE}")
    try:
        credentials = parse_secret(answer["SecretString"])
    except ValueError as error:
        raise SecretError(f"{where}: {error}") from None
    return replace(credentials, origin=f"the secret {secret_id} ({SETTING})")


class _DropAll(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return False


@contextmanager
def unlogged_response_bodies() -> Iterator[None]:
    """botocore logs every response body at debug level (here: the secret's value), and a
    Dagster instance may send botocore's debug logs to the event log: drop them meanwhile."""
    logger = logging.getLogger("botocore.parsers")
    drop = _DropAll()
    logger.addFilter(drop)
    try:
        yield
    finally:
        logger.removeFilter(drop)


def _client_problem(error: ClientError, secret_id: str, region: str | None) -> str:
    """AWS answered with an error: say which, in words, with AWS's code and message."""
    code, aws_says = _aws_error(error)
    detail = f" ({code}: {aws_says})" if aws_says else f" ({code})"
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    if code == "ResourceNotFoundException":
        return (
            f"no such secret in region {region or '(the profile default)'} of this account; "
            "check the name or ARN, and AWS_REGION" + detail
        )
    if code in DENIED or status in (401, 403):
        return (
            "access was denied: check the AWS credentials (environment, profile or role) and "
            f"that they are allowed secretsmanager:GetSecretValue on {secret_id}" + detail
        )
    if code == "DecryptionFailure":
        return "Secrets Manager could not decrypt it: allow kms:Decrypt on its key" + detail
    return "Secrets Manager refused to return it" + detail


def _aws_error(error: ClientError) -> tuple[str, str]:
    """AWS's error code and message. An endpoint that answers a JSON API in XML (moto, some
    proxies) leaves botocore with the HTTP status and the whole XML: read those two from it."""
    code = str(error.response.get("Error", {}).get("Code", ""))
    message = str(error.response.get("Error", {}).get("Message", ""))
    if message.lstrip().startswith("<"):
        code = _xml_text(message, "Code") or code
        message = _xml_text(message, "Message")
    return code, _scrubbed(message)[:300]


def _xml_text(xml: str, tag: str) -> str:
    found = re.search(rf"<{tag}>([^<]*)</{tag}>", xml)
    return found.group(1) if found else ""


def _connection_problem(error: BotoCoreError, client: Any) -> str:
    if isinstance(error, NoCredentialsError | PartialCredentialsError):
        return "no AWS credentials were found (environment, profile or role)"
    if isinstance(error, NoRegionError):
        return "no AWS region: set AWS_REGION, or give the secret's ARN"
    endpoint = getattr(getattr(client, "meta", None), "endpoint_url", None) or "AWS"
    return f"cannot reach AWS Secrets Manager at {endpoint} ({type(error).__name__})"


def _scrubbed(text: str) -> str:
    secret = settings.aws_secret()
    return text.replace(secret, "***") if secret else text
