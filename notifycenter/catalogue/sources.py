"""Errors of the foreign-format endpoints: Alertmanager webhooks, plain-JSON CloudEvents,
and the write-back of acknowledgements to Alertmanager."""

from notifycenter.model.errors import ErrorSpec

INVALID_ALERTMANAGER_PAYLOAD = ErrorSpec(
    code="notifycenter-1900",
    name="ErrInvalidAlertmanagerPayload",
    severity="ERROR",
    short="The body is not an Alertmanager webhook payload (version 4)",
    long="POST /api/ingest/alertmanager takes the JSON Alertmanager's webhook receiver sends; nothing of the request was stored.",
    causes=(
        "Something other than Alertmanager posts to this endpoint",
        "An alert lacks its fingerprint, startsAt, status or labels",
        "The body is not JSON, or not version 4 of the payload",
    ),
    remedies=(
        "Point an Alertmanager webhook_configs receiver at /api/ingest/alertmanager",
        "Post CloudEvents to /api/events or /api/ingest/cloudevents-json instead",
    ),
    http_status=400,
)

NOT_JSON_CLOUDEVENTS = ErrorSpec(
    code="notifycenter-1901",
    name="ErrNotJsonCloudEvents",
    severity="ERROR",
    short="The body is not a JSON CloudEvent or a JSON array of them",
    long="POST /api/ingest/cloudevents-json reads an application/json body as a structured CloudEvent (an object) or a batch (an array); nothing of the request was stored.",
    causes=(
        "The body is a JSON string, number or null",
        "The content type is neither application/json nor a CloudEvents JSON type",
    ),
    remedies=(
        "Send one event as a JSON object, or several as a JSON array",
        "Set Content-Type: application/json",
    ),
    http_status=415,
)

ALERTMANAGER_WRITEBACK_FAILED = ErrorSpec(
    code="notifycenter-1902",
    name="ErrAlertmanagerWriteBack",
    severity="WARNING",
    short="A silence could not be created or expired in Alertmanager; the hub retries",
    long="An acknowledgement with an expiry is mirrored as an Alertmanager silence in the background; the acknowledgement itself is recorded either way.",
    causes=(
        "Alertmanager is down or unreachable at the hub's alertmanager-url",
        "Alertmanager refused the silence (its answer is in the detail)",
        "Its answer was larger than 64 MiB or not whole within 30 s (a proxy or another server at that URL)",
    ),
    remedies=(
        "Check that alertmanager-url in [hub] (or serve --alertmanager-url) is right and reachable",
        "Look for the silence in Alertmanager's UI once it is reachable again",
    ),
    http_status=502,
)
