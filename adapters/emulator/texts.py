"""Box's OAuth error codes and texts, one text per case.

Texts marked [observed]/[spec] are Box's own, verbatim from the protocol notes
(§2). Texts marked [own] are ours, for cases where Box's wording is unknown;
they follow Box's "Please check the '<claim>' claim." pattern where that fits.
Every OAuth error is HTTP 400: that is the only status observed for them
(§2; other statuses are UNCONFIRMED, so we use the one Box documents).
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
GRANT_UNAUTHORIZED: Final = "The grant type is unauthorized for this client_id"  # [observed]
# [observed] support post 7814447391763: CCG against an app without CCG.
SUBJECT_TYPE_UNAUTHORIZED: Final = (
    'The "box_subject_type" value is unauthorized for this client_id'
)
# [spec] CCG guide: wrong client id or secret, a subject the app may not act as,
# or user tokens not enabled, all give this one text.
GRANT_CREDENTIALS_INVALID: Final = "Grant credentials are invalid"
BAD_SUBJECT_TYPE: Final = "Invalid box_subject_type parameter or parameter missing"  # [own]

# -- JWT ------------------------------------------------------------------------
ALGORITHM_NOT_ALLOWED: Final = "Algorithm not allowed"  # [observed]
JWT_MALFORMED: Final = "Please check the 'assertion'. It is not a well-formed JWT."  # [own]
TYP_INVALID: Final = "Please check the 'typ' header. It must be 'JWT'."  # [own]
KID_INVALID: Final = "Please check the 'kid' header. The 'kid' specified is invalid."  # [own]
SIGNATURE_INVALID: Final = "Please check the signature. It does not verify."  # [own]
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
