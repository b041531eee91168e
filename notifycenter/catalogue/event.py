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
