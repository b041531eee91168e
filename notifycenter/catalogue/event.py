"""Errors of the event format: validation and normalisation of incoming CloudEvents."""

from notifycenter.model.errors import ErrorSpec

INVALID_EVENT = ErrorSpec(
    code="notifycenter-1001",
    name="ErrInvalidEvent",
    severity="ERROR",
    short="The event is not a valid CloudEvent",
    long="A required attribute is missing or empty, or an attribute has the wrong type.",
    causes=(
        "The producer did not set id, source or type, or set one to an empty string",
        "An attribute has a value of the wrong type (an object where a string is required)",
    ),
    remedies=(
        "Set non-empty id, source and type on every event",
        "Check the producer against the CloudEvents 1.0 JSON event format",
    ),
)

UNSUPPORTED_SPECVERSION = ErrorSpec(
    code="notifycenter-1002",
    name="ErrUnsupportedSpecVersion",
    severity="ERROR",
    short="The event's specversion is not supported",
    long='Only CloudEvents specversion "1.0" is accepted.',
    causes=("The producer sends another CloudEvents version, or none at all",),
    remedies=('Set specversion to the string "1.0"',),
)

INVALID_EXTENSION_NAME = ErrorSpec(
    code="notifycenter-1003",
    name="ErrInvalidExtensionName",
    severity="ERROR",
    short="An attribute name is not a valid CloudEvents name",
    long="Attribute names must consist of lower-case letters a-z and digits 0-9 only.",
    causes=(
        "The producer uses an older draft name such as trace-id or a camelCase name",
        "A reserved name such as data is used as an extension",
    ),
    remedies=(
        "Rename the attribute to lower-case letters and digits (trace-id becomes traceparent)",
        "Put application fields into data instead of extension attributes",
    ),
)

UNKNOWN_SEVERITY = ErrorSpec(
    code="notifycenter-1004",
    name="ErrUnknownSeverity",
    severity="ERROR",
    short="The event's severity is not known",
    long="severitytext must be a syslog keyword or SUCCESS; severitynumber an integer 1-24.",
    causes=(
        "severitytext has a value outside EMERGENCY ALERT CRITICAL ERROR WARNING NOTICE INFO DEBUG SUCCESS and their aliases",
        "severitynumber is not an integer between 1 and 24",
    ),
    remedies=(
        "Use one of EMERGENCY, ALERT, CRITICAL, ERROR, WARNING, NOTICE, INFO, DEBUG, SUCCESS",
        "Send severitynumber as an OpenTelemetry SeverityNumber integer",
    ),
)

INVALID_TIME = ErrorSpec(
    code="notifycenter-1005",
    name="ErrInvalidTime",
    severity="ERROR",
    short="The event's time is not an RFC 3339 timestamp",
    long="time must look like 2026-11-28T09:00:00Z or carry a numeric UTC offset.",
    causes=("The producer formats time in a local or custom format",),
    remedies=(
        "Format time as RFC 3339, for example with datetime.isoformat() on an aware datetime",
    ),
)

INVALID_TRACEPARENT = ErrorSpec(
    code="notifycenter-1006",
    name="ErrInvalidTraceparent",
    severity="ERROR",
    short="The event's traceparent is not in W3C format",
    long="traceparent must be 00-<32 hex trace id>-<16 hex span id>-<2 hex flags>, ids not all zero.",
    causes=("The producer invented its own trace id format or truncated it",),
    remedies=(
        "Use a W3C Trace Context traceparent, for example from OpenTelemetry or notifycenter's Emitter.operation",
    ),
)

INVALID_JSON = ErrorSpec(
    code="notifycenter-1007",
    name="ErrInvalidJson",
    severity="ERROR",
    short="The request body is not valid JSON",
    long="The body could not be parsed as JSON in the content type that was declared.",
    causes=("The body is truncated, not UTF-8, or not JSON",),
    remedies=("Send a JSON document encoded as UTF-8 and check it with a JSON validator",),
)

INVALID_HEADER_ENCODING = ErrorSpec(
    code="notifycenter-1008",
    name="ErrInvalidHeaderEncoding",
    severity="ERROR",
    short="A ce- header is not valid percent-encoded UTF-8",
    long="In binary mode attribute values are percent-encoded UTF-8; this one does not decode.",
    causes=("The producer percent-encoded bytes that are not UTF-8, or encoded them twice",),
    remedies=("Percent-encode the UTF-8 bytes of each attribute value exactly once",),
)

EVENT_TOO_LARGE = ErrorSpec(
    code="notifycenter-1009",
    name="ErrEventTooLarge",
    severity="ERROR",
    short="The request or one of its events is too large",
    long="A request may carry at most 1 MiB and one event at most 64 KiB.",
    causes=("The event carries a large payload such as a whole log or manifest",),
    remedies=(
        "Trim details to the lines that matter and link to the full log",
        "Split a large batch into several requests",
    ),
    http_status=413,
)

INVALID_ERROR_PAYLOAD = ErrorSpec(
    code="notifycenter-1010",
    name="ErrInvalidErrorPayload",
    severity="ERROR",
    short="The event's error object has the wrong shape",
    long="data.error (or its MeshKit aliases) must be an object of strings and lists of strings.",
    causes=(
        "The producer puts a number or a nested object where a string or a list of strings belongs",
    ),
    remedies=(
        "Send code as a string and probableCause and suggestedRemediation as lists of strings",
    ),
)

TIME_OUT_OF_RANGE = ErrorSpec(
    code="notifycenter-1011",
    name="ErrTimeOutOfRange",
    severity="ERROR",
    short="The event's time is outside the range every consumer can represent",
    long="time, converted to UTC, must lie between 0001-01-02T00:00:00Z and 9999-12-30T23:59:59Z.",
    causes=(
        "The producer sends a sentinel date such as 0001-01-01 or 9999-12-31 with a UTC offset",
        "The producer's clock or date arithmetic is wrong",
    ),
    remedies=(
        "Send the time the event happened, in UTC",
        "Omit time to let the hub fill in its receive time",
    ),
)

INTEGER_OUT_OF_RANGE = ErrorSpec(
    code="notifycenter-1012",
    name="ErrIntegerOutOfRange",
    severity="ERROR",
    short="An integer attribute is outside the CloudEvents Integer range",
    long="CloudEvents Integer attributes are 32-bit signed: -2147483648 to 2147483647.",
    causes=(
        "The producer puts a 64-bit number such as a timestamp in nanoseconds into an attribute",
    ),
    remedies=("Send large numbers as a string attribute, or put them into data",),
)

INVALID_STRING = ErrorSpec(
    code="notifycenter-1013",
    name="ErrInvalidString",
    severity="ERROR",
    short="A string attribute contains characters CloudEvents does not allow",
    long="CloudEvents String attributes must not contain control characters (U+0000-U+001F, U+007F-U+009F), noncharacters or lone surrogates.",
    causes=(
        "A newline, tab or escape sequence was copied into id, subject or an extension",
        "The producer decoded bytes with the wrong encoding",
    ),
    remedies=(
        "Put multi-line or free-form text into data, not into an attribute",
        "Strip control characters from attribute values before sending",
    ),
)

INVALID_URI = ErrorSpec(
    code="notifycenter-1014",
    name="ErrInvalidUri",
    severity="ERROR",
    short="A URI attribute is not a valid RFC 3986 URI",
    long="source must be a non-empty URI-reference and dataschema an absolute URI (scheme, no fragment).",
    causes=(
        "The attribute contains spaces or non-ASCII characters that are not percent-encoded",
        "dataschema is a relative path or carries a #fragment",
    ),
    remedies=(
        "Use a source such as urn:meshery:adapter:istio or /cluster/prod; percent-encode other characters",
        "Give dataschema as an absolute URI such as https://example.com/schemas/event.json",
    ),
)

INVALID_BASE64 = ErrorSpec(
    code="notifycenter-1015",
    name="ErrInvalidBase64",
    severity="ERROR",
    short="data_base64 is not valid base64",
    long="data_base64 must be a string in the base64 alphabet of RFC 4648, with padding, and no whitespace.",
    causes=("The producer used the URL-safe alphabet, dropped the padding or wrapped lines",),
    remedies=(
        "Encode the bytes with standard base64 (Python: base64.b64encode) and send the result unchanged",
    ),
)

DATA_TOO_DEEP = ErrorSpec(
    code="notifycenter-1016",
    name="ErrDataTooDeep",
    severity="ERROR",
    short="The event's data is nested too deeply",
    long="data may nest objects and arrays at most 64 levels deep.",
    causes=("The producer serialised a recursive structure or a deeply nested document into data",),
    remedies=("Flatten the payload, or send the document as a string or data_base64",),
)

EMPTY_ATTRIBUTE = ErrorSpec(
    code="notifycenter-1017",
    name="ErrEmptyAttribute",
    severity="ERROR",
    short="An optional attribute is present but empty",
    long="CloudEvents requires subject, datacontenttype and dataschema to be non-empty when present.",
    causes=("The producer sends an empty string instead of leaving the attribute out",),
    remedies=("Leave the attribute out, or send null, when it has no value",),
)

INVALID_MEDIA_TYPE = ErrorSpec(
    code="notifycenter-1018",
    name="ErrInvalidMediaType",
    severity="ERROR",
    short="datacontenttype is not a media type",
    long="datacontenttype (in binary mode the Content-Type header) must be an RFC 2046 media type such as application/json.",
    causes=("The producer sends a file extension or free text as the content type",),
    remedies=("Send a media type such as application/json or text/plain; charset=utf-8",),
)

DATA_NOT_TEXT = ErrorSpec(
    code="notifycenter-1019",
    name="ErrDataNotText",
    severity="ERROR",
    short="data is not a string although datacontenttype is not JSON",
    long="With a datacontenttype that is not JSON (*/json or */*+json), data must be a string; bytes go into data_base64.",
    causes=("The producer declares text/plain or application/xml but sends a JSON object",),
    remedies=(
        "Set datacontenttype to application/json for JSON data",
        "Send other content as a string in data, or as data_base64",
    ),
)

INVALID_QUOTED_HEADER = ErrorSpec(
    code="notifycenter-1020",
    name="ErrInvalidQuotedHeader",
    severity="ERROR",
    short="A ce- header starts a quoted string that is not well formed",
    long='A header value that starts with a double quote must be one RFC 7230 quoted string: "text", with \\" and \\\\ escapes.',
    causes=("The producer quotes a value without closing or escaping the quotes",),
    remedies=("Percent-encode the value instead of quoting it (a double quote becomes %22)",),
)

DATACONTENTTYPE_HEADER = ErrorSpec(
    code="notifycenter-1021",
    name="ErrDatacontenttypeHeader",
    severity="ERROR",
    short="Binary mode carries a ce-datacontenttype header",
    long="In the HTTP binding's binary mode the Content-Type header is datacontenttype; a ce-datacontenttype header must not be present.",
    causes=("The producer maps every attribute to a ce- header, datacontenttype included",),
    remedies=("Send datacontenttype as the Content-Type header only",),
)
