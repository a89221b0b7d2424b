"""exceptions: exception_for maps each error value to its class, keeping the value.

Written to close the gaps that mutation testing (``bash .ci/mutation``) found.
"""

from __future__ import annotations

import pytest

from boxauth.errors import (
    AuthError,
    BoxRefused,
    ErrorKind,
    InvalidInput,
    ReauthRequired,
    StateMismatch,
    StorageFailure,
    StorageFailureKind,
    TransportFailure,
    TransportFailureKind,
)
from boxauth.exceptions import (
    BoxAPIError,
    BoxAuthError,
    BoxConfigError,
    BoxMalformedResponseError,
    BoxNetworkError,
    BoxRateLimitedError,
    BoxReauthRequiredError,
    BoxSDKError,
    BoxServerError,
    BoxStateMismatchError,
    BoxStorageError,
    exception_for,
)

REFUSED = BoxRefused(ErrorKind.INVALID_GRANT, 400, "invalid_grant", "d", "rid", 3.0)
CASES: list[tuple[AuthError, type[BoxAuthError]]] = [
    (InvalidInput("client_id", "is empty"), BoxConfigError),
    (ReauthRequired("sign in"), BoxReauthRequiredError),
    (TransportFailure(TransportFailureKind.CONNECT, "refused", False), BoxNetworkError),
    (BoxRefused(ErrorKind.RATE_LIMITED, 429, "rate_limited", "", None, 7.0), BoxRateLimitedError),
    (
        BoxRefused(ErrorKind.MALFORMED_RESPONSE, 200, "malformed_response", "x"),
        BoxMalformedResponseError,
    ),
    (REFUSED, BoxAPIError),
    (BoxRefused(ErrorKind.SERVER_ERROR, 503, "unavailable", "", None, 9.0), BoxServerError),
    (StateMismatch("is missing"), BoxStateMismatchError),
    (StorageFailure(StorageFailureKind.LOCK, "busy"), BoxStorageError),
]


@pytest.mark.parametrize(("error", "cls"), CASES)
def test_exception_for(error: AuthError, cls: type[BoxAuthError]) -> None:
    exc = exception_for(error)
    assert type(exc) is cls
    assert isinstance(exc, BoxSDKError)
    assert exc.error is error
    assert str(exc) == error.message()
    assert exc.args == (error.message(),)


def test_properties_read_the_value() -> None:
    exc = exception_for(REFUSED)
    assert (exc.error_code, exc.description, exc.request_id, exc.status) == (
        "invalid_grant",
        "d",
        "rid",
        400,
    )
    config = exception_for(InvalidInput("client_id", "is empty"))
    assert isinstance(config, BoxConfigError) and isinstance(config, ValueError)
    assert config.field == "client_id"
    assert (config.error_code, config.description, config.request_id, config.status) == (
        None,
        None,
        None,
        None,
    )
    limited = exception_for(CASES[3][0])
    assert isinstance(limited, BoxRateLimitedError) and limited.retry_after == 7.0
    net = exception_for(TransportFailure(TransportFailureKind.TIMEOUT, "t", True))
    assert isinstance(net, BoxNetworkError) and net.maybe_sent is True
