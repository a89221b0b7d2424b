"""Box's OAuth error codes and texts, one text per case.

Texts marked [spec] are from Box's documents: the OpenAPI ``OAuth2Error``
(https://github.com/box/box-openapi), the guides, and the common-errors guide
(https://developer.box.com/guides/api-calls/permissions-and-errors/common-errors/,
which writes claim names in code style where the wire has quotes, and adds a
final period the observed answers lack). [observed] texts are Box's answers
quoted in public issue trackers, each cited. [own] texts are ours, where
Box's wording is unknown; they follow Box's "Please check the '<claim>'
claim." pattern where that fits. Every OAuth error is HTTP 400: the only
status documented ("400 or default") and observed for them.
"""

from __future__ import annotations

from typing import Final

# ruff: noqa: S105 - these are error texts, not passwords


class OAuthError(Exception):
    """A refusal from /oauth2/token, /oauth2/revoke or /api/oauth2/authorize."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description
        self.status = status


# -- request shape ---------------------------------------------------------------
# [observed] Box's answer when it cannot read grant_type, which is also what a
# body in another content type looks like to it (maengkom/boxapi#25).
BAD_GRANT_TYPE: Final = "Invalid grant_type parameter or parameter missing"
DUPLICATE_PARAMETER: Final = "A parameter was sent more than once"  # [own] RFC 6749 §3.2
BAD_CONTENT_TYPE: Final = "The request body must be application/x-www-form-urlencoded"  # [own]
MISSING_PARAMETER: Final = "A required parameter is missing: {name}"  # [own]

# -- clients and grants --------------------------------------------------------------
INVALID_CLIENT: Final = "The client credentials are invalid"  # [observed] PR902, scribejava#842
# [observed] under unauthorized_client (support article 360044193033); Box's
# common-errors guide, the newer source, lists it under invalid_request, and
# grants.py follows the guide.
GRANT_UNAUTHORIZED: Final = "The grant type is unauthorized for this client_id"
# [spec] common-errors guide (unauthorized_client): JWT or CCG app not approved.
APP_NOT_AUTHORIZED: Final = "This app is not authorized by the enterprise admin"
# [spec] common-errors guide (invalid_request): a user token from an app
# without "Generate user access tokens".
USER_TOKENS_NOT_ENABLED: Final = (
    "Cannot obtain user token based on the enterprise configuration for your app"
)
# [observed] support post 7814447391763: CCG against an app without CCG.
SUBJECT_TYPE_UNAUTHORIZED: Final = 'The "box_subject_type" value is unauthorized for this client_id'
# [spec] CCG guide: wrong client id or secret, a subject the app may not act as,
# or user tokens not enabled, all give this one text.
GRANT_CREDENTIALS_INVALID: Final = "Grant credentials are invalid"
BAD_SUBJECT_TYPE: Final = "Invalid box_subject_type parameter or parameter missing"  # [own]

# -- JWT ------------------------------------------------------------------------
ALGORITHM_NOT_ALLOWED: Final = "Algorithm not allowed"  # [observed]
JWT_MALFORMED: Final = "Please check the 'assertion'. It is not a well-formed JWT."  # [own]
TYP_INVALID: Final = "Please check the 'typ' header. It must be 'JWT'."  # [own]
KID_INVALID: Final = "'kid' invalid, unable to lookup correct key"  # [spec] common-errors
SIGNATURE_INVALID: Final = (  # [spec] common-errors guide
    "Signature verification error. The public key identified by 'kid' must correspond to "
    "the private key used for signing."
)
ISS_INVALID: Final = "Please check the 'iss' claim. The 'iss' specified is invalid."  # [own]
AUD_INVALID: Final = "Please check the 'aud' claim. The 'aud' specified is invalid."  # [own]
EXP_NOT_INTEGER: Final = "Please check the 'exp' claim. Should be an integer"  # [observed]
EXP_PASSED: Final = (  # [observed]
    "Current date/time MUST be before the expiration date/time listed in the 'exp' claim"
)
EXP_TOO_FAR: Final = (  # [observed]
    "Please check the 'exp' claim. The 'exp' value exceeds the maximum value of 60 seconds "
    "beyond the issue time."
)
NBF_INVALID: Final = "Please check the 'nbf' claim. The JWT is not yet valid."  # [own]
IAT_INVALID: Final = "Please check the 'iat' claim. Should be an integer"  # [own]
JTI_LENGTH: Final = (  # [own]
    "Please check the 'jti' claim. The 'jti' value must be 16 to 128 characters long."
)
JTI_REPLAYED: Final = "Please check the 'jti' claim. A unique 'jti' value is required."  # [obs.]
SUB_TYPE_INVALID: Final = (  # [own]
    "Please check the 'box_sub_type' claim. The 'box_sub_type' specified is invalid."
)
SUB_INVALID: Final = "Please check the 'sub' claim. The 'sub' specified is invalid."  # [observed]

# -- authorization codes and refresh tokens ------------------------------------------
CODE_UNKNOWN: Final = "Auth code doesn't exist or is invalid for the client"  # [observed]
CODE_EXPIRED: Final = "The authorization code has expired"  # [observed]; also for reuse
REDIRECT_URI_MISMATCH: Final = (  # [own]
    "The redirect_uri does not match the one used in the authorization request"
)
REFRESH_INVALID: Final = "Invalid refresh token"  # [observed] unknown, revoked, other client
REFRESH_EXPIRED: Final = "Refresh token has expired"  # [observed] older than 60 days, or used

# -- token exchange ------------------------------------------------------------------
SUBJECT_TOKEN_INVALID: Final = "The subject token is invalid or has expired"  # [own]
SUBJECT_TOKEN_TYPE_INVALID: Final = (  # [own]
    "Invalid subject_token_type parameter or parameter missing"
)
SCOPE_UNKNOWN: Final = "The requested scope is invalid or unknown"  # [own]
SCOPE_TOO_BROAD: Final = "The requested scope exceeds the scope of the subject token"  # [own]
RESOURCE_INVALID: Final = "The target resource is invalid."  # [observed] node-sdk#168
RESOURCE_AND_LINK: Final = "Use either resource or box_shared_link, not both"  # [own]
ACTOR_UNSUPPORTED: Final = "actor_token (annotator tokens) is not supported"  # [own]

# -- API (/2.0) ------------------------------------------------------------------------
# [observed] node-sdk#157: empty body, this challenge.
WWW_AUTHENTICATE: Final = (
    'Bearer realm="Service", error="invalid_token", '
    'error_description="The access token provided is invalid."'
)
TOKEN_INVALID_KEY: Final = ("invalid_token", "The access token provided is invalid.")
INSUFFICIENT_SCOPE: Final = (
    "The request requires higher privileges than provided by the access token."
)
