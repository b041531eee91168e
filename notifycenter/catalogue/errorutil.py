"""Errors of the error-code tooling (`notifycenter errors analyze|update|doc`)."""

from notifycenter.model.errors import ErrorSpec

COMPONENT_INFO_MISSING = ErrorSpec(
    code="notifycenter-1400",
    name="ErrComponentInfoMissing",
    severity="ERROR",
    short="component_info.json was not found",
    long="The error-code tools need the component's component_info.json to know its name and next error code.",
    causes=(
        "The directory given is not the root of a component",
        "The component has no component_info.json yet",
    ),
    remedies=(
        "Run the command from the component's root or pass that root as DIR",
        "Pass --info-dir with the directory that holds component_info.json",
        'Create component_info.json: {"name": "<component>", "type": "component", "next_error_code": 1000}',
    ),
)

COMPONENT_INFO_INVALID = ErrorSpec(
    code="notifycenter-1401",
    name="ErrComponentInfoInvalid",
    severity="ERROR",
    short="component_info.json is not valid",
    long="component_info.json must be a JSON object with a string name, a string type and an integer next_error_code.",
    causes=(
        "The file is not valid JSON, for example after a merge conflict",
        "name is missing or next_error_code is not an integer",
    ),
    remedies=(
        "Fix the file so that it reads like "
        '{"name": "meshery-server", "type": "component", "next_error_code": 1484}',
    ),
)

ERROR_CODES_NEED_ATTENTION = ErrorSpec(
    code="notifycenter-1402",
    name="ErrErrorCodesNeedAttention",
    severity="ERROR",
    short="The component's error codes have duplicates or placeholders",
    long="Two errors share a code or a name, or an error still carries a placeholder code.",
    causes=(
        "Two errors were given the same code, often when branches that both added codes were merged",
        "A new error was added with the placeholder code replace_me and codes were not assigned yet",
    ),
    remedies=(
        "Run notifycenter errors update to give every placeholder the next free code",
        "Give one of the duplicates the placeholder replace_me, then run notifycenter errors update",
        "Rename one of two errors that share a name",
    ),
)

DIRECTORY_NOT_FOUND = ErrorSpec(
    code="notifycenter-1403",
    name="ErrDirectoryNotFound",
    severity="ERROR",
    short="The component directory does not exist",
    long="The directory to analyse is missing or is not a directory.",
    causes=("The path is misspelt or relative to another working directory",),
    remedies=("Pass the path of the component's root directory",),
)

WRITE_FAILED = ErrorSpec(
    code="notifycenter-1404",
    name="ErrErrorToolWriteFailed",
    severity="ERROR",
    short="A file could not be written",
    long="Writing updated sources, component_info.json or the generated documentation failed.",
    causes=(
        "The file or its directory is read-only for this user",
        "The disk is full",
    ),
    remedies=(
        "Check the permissions of the file and its directory",
        "Free disk space and run the command again",
    ),
)

SOURCE_CHANGED = ErrorSpec(
    code="notifycenter-1405",
    name="ErrSourceChangedDuringUpdate",
    severity="ERROR",
    short="A source file changed while codes were being assigned",
    long="The file no longer holds the placeholder where it was found, so it was left untouched.",
    causes=("An editor or another tool wrote the file between reading and updating it",),
    remedies=("Run notifycenter errors update again",),
)
