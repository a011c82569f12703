package dev.meshbox.proxy.filter;

/**
 * The outcomes of verifying one JWT, with jwt_verify_lib's texts, which Envoy's {@code jwt_authn} filter sends as the
 * body of its 401 (403 for {@link #AUDIENCE_NOT_ALLOWED}) and, spaces made underscores, in the response code details.
 */
public enum JwtStatus {
    OK("OK"),
    MISSING("Jwt is missing"),
    NOT_YET_VALID("Jwt not yet valid"),
    EXPIRED("Jwt is expired"),
    BAD_FORMAT("Jwt is not in the form of Header.Payload.Signature with two dots and 3 sections"),
    HEADER_BAD_BASE64("Jwt header is an invalid Base64url encoded"),
    HEADER_BAD_JSON("Jwt header is an invalid JSON"),
    HEADER_BAD_ALG("Jwt header [alg] field is required and must be a string"),
    HEADER_ALG_NOT_IMPLEMENTED("Jwt header [alg] is not supported"),
    HEADER_BAD_KID("Jwt header [kid] field is not a string"),
    PAYLOAD_BAD_BASE64("Jwt payload is an invalid Base64url encoded"),
    PAYLOAD_BAD_JSON("Jwt payload is an invalid JSON"),
    ISS_NOT_STRING("Jwt payload [iss] field is not a string"),
    SUB_NOT_STRING("Jwt payload [sub] field is not a string"),
    NBF_NOT_INTEGER("Jwt payload [nbf] field is not an integer"),
    EXP_NOT_INTEGER("Jwt payload [exp] field is not an integer"),
    AUD_NOT_STRING("Jwt payload [aud] field is not a string or string list"),
    SIGNATURE_BAD_BASE64("Jwt signature is an invalid Base64url encoded"),
    UNKNOWN_ISSUER("Jwt issuer is not configured"),
    AUDIENCE_NOT_ALLOWED("Audiences in Jwt are not allowed"),
    VERIFICATION_FAIL("Jwt verification fails"),
    JWKS_NO_VALID_KEYS("Jwks doesn't have any valid public key"),
    JWKS_KID_ALG_MISMATCH("Jwks doesn't have key to match kid or alg from Jwt"),
    JWKS_FETCH_FAIL("Jwks remote fetch is failed");

    private final String text;

    JwtStatus(String text) {
        this.text = text;
    }

    /** jwt_verify_lib's status string. */
    public String text() {
        return text;
    }

    /** Envoy's status code for a request this status fails: 403 for a disallowed audience, else 401. */
    public int httpStatus() {
        return this == AUDIENCE_NOT_ALLOWED ? 403 : 401;
    }

    /** Envoy's {@code %RESPONSE_CODE_DETAILS%}: {@code jwt_authn_access_denied{Jwt_is_expired}}. */
    public String details() {
        return "jwt_authn_access_denied{" + text.replace(' ', '_') + "}";
    }
}
