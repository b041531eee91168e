"""Errors of filters: CESQL expressions, Subscriptions API filter dialects, quick filters."""

from notifycenter.model.errors import ErrorSpec

CESQL_PARSE = ErrorSpec(
    code="notifycenter-1301",
    name="ErrCesqlParse",
    severity="ERROR",
    short="The CESQL filter expression cannot be parsed",
    long="The expression is not valid CloudEvents SQL (CESQL v1); the error names the column where parsing stopped.",
    causes=(
        "A parenthesis or a quote is not closed",
        "An operator is missing an operand, or LIKE is followed by something other than a quoted string",
        "An integer literal is outside the 32-bit range",
    ),
    remedies=(
        "Look at the column named in the error and fix the expression there",
        "Quote strings with ' or \" and compare attributes with =, <>, LIKE, IN or EXISTS",
    ),
)

CESQL_UNKNOWN_FUNCTION = ErrorSpec(
    code="notifycenter-1302",
    name="ErrCesqlUnknownFunction",
    severity="ERROR",
    short="The CESQL expression calls a function that does not exist",
    long="The function name or its number of arguments does not match any CESQL built-in function.",
    causes=("The function name is misspelt or takes another number of arguments",),
    remedies=(
        "Use one of ABS, LENGTH, CONCAT, CONCAT_WS, LOWER, UPPER, TRIM, LEFT, RIGHT, SUBSTRING, INT, BOOL, STRING, IS_BOOL, IS_INT",
    ),
)

INVALID_SUBSCRIPTION_FILTER = ErrorSpec(
    code="notifycenter-1303",
    name="ErrInvalidSubscriptionFilter",
    severity="ERROR",
    short="The subscription filter is malformed",
    long="A filter must be a JSON object with one dialect key, or an array of such objects that all must match.",
    causes=(
        "exact, prefix or suffix is not an object of non-empty attribute names and non-empty strings",
        "all or any is not a non-empty array, or not does not hold one filter object",
        "The filter text is not valid JSON",
    ),
    remedies=(
        'Write filters such as [{"exact": {"type": "io.meshery.x"}}, {"sql": "severitynumber >= 17"}]',
    ),
)

UNKNOWN_FILTER_DIALECT = ErrorSpec(
    code="notifycenter-1304",
    name="ErrUnknownFilterDialect",
    severity="ERROR",
    short="The subscription filter uses an unknown dialect",
    long="Supported dialects are exact, prefix, suffix, all, any, not and sql.",
    causes=("The filter object's key is misspelt or names a dialect this hub does not implement",),
    remedies=("Use one of exact, prefix, suffix, all, any, not or sql",),
)

INVALID_QUICK_FILTER = ErrorSpec(
    code="notifycenter-1305",
    name="ErrInvalidQuickFilter",
    severity="ERROR",
    short="The quick filter has a token it cannot understand",
    long="Quick filter tokens are sev>=LEVEL, sev:LEVEL, src:TEXT, type:PREFIX, status:STATE and free text.",
    causes=(
        "The severity after sev is not a known level or alias",
        "The status after status: is not one of unread, read, acknowledged (acked), unacked, resolved, archived, open",
    ),
    remedies=(
        "Write for example sev>=warning src:istio status:unacked",
        "Quote a word that contains a colon to search for it as free text",
    ),
)

CESQL_MATH = ErrorSpec(
    code="notifycenter-1310",
    name="ErrCesqlMath",
    severity="ERROR",
    short="A CESQL arithmetic operation failed",
    long="Division or modulo by zero, or a result outside the 32-bit integer range.",
    causes=("The expression divides by an attribute or value that is zero",),
    remedies=("Guard the division, for example ttl <> 0 AND hop / ttl > 1",),
)

CESQL_CAST = ErrorSpec(
    code="notifycenter-1311",
    name="ErrCesqlCast",
    severity="ERROR",
    short="A CESQL value could not be converted to the type an operator needs",
    long="A string is not a 32-bit integer or not true/false, or an integer is used where a boolean is needed.",
    causes=("An attribute holds text where the expression compares it as a number",),
    remedies=("Compare text attributes with quoted strings, or guard with IS_INT(attribute)",),
)

CESQL_MISSING_ATTRIBUTE = ErrorSpec(
    code="notifycenter-1312",
    name="ErrCesqlMissingAttribute",
    severity="ERROR",
    short="The CESQL expression reads an attribute the event does not have",
    long="A missing attribute makes the subexpression that reads it evaluate to its zero value, so the event does not match.",
    causes=("The event has no such attribute, or the attribute name is misspelt",),
    remedies=(
        "Guard optional attributes with EXISTS, for example EXISTS subject AND subject = 'x'",
    ),
)

CESQL_MISSING_FUNCTION = ErrorSpec(
    code="notifycenter-1313",
    name="ErrCesqlMissingFunction",
    severity="ERROR",
    short="The CESQL expression called a function that does not exist",
    long="A call to an unknown function, or with the wrong number of arguments, evaluates to false.",
    causes=("The function name is misspelt or takes another number of arguments",),
    remedies=("Use a CESQL built-in function with its documented arguments",),
)

CESQL_FUNCTION_EVALUATION = ErrorSpec(
    code="notifycenter-1314",
    name="ErrCesqlFunctionEvaluation",
    severity="ERROR",
    short="A CESQL function was called with arguments it cannot handle",
    long="For example LEFT with a negative length or SUBSTRING with a position outside the string.",
    causes=("A position or length argument is negative or beyond the end of the string",),
    remedies=("Check positions against LENGTH(x) before calling SUBSTRING, LEFT or RIGHT",),
)

CESQL_GENERIC = ErrorSpec(
    code="notifycenter-1315",
    name="ErrCesqlGeneric",
    severity="ERROR",
    short="A CESQL expression could not be evaluated",
    long="An error without a more specific CESQL kind occurred while evaluating the expression.",
    causes=("The event holds a value the expression cannot work with",),
    remedies=("Evaluate the expression against the event with notifycenter to see the details",),
)

CESQL_TOO_MANY_WILDCARDS = ErrorSpec(
    code="notifycenter-1316",
    name="ErrCesqlTooManyWildcards",
    severity="ERROR",
    short="A LIKE pattern has too many wildcards",
    long="A LIKE pattern may hold at most 128 unescaped % and _ wildcards, so that matching one event stays fast.",
    causes=("The pattern was generated from a list of words joined by %",),
    remedies=(
        "Split the pattern into several LIKE conditions joined by AND",
        "Escape a literal % or _ with a backslash",
    ),
)

CESQL_TOO_COSTLY = ErrorSpec(
    code="notifycenter-1317",
    name="ErrCesqlTooCostly",
    severity="ERROR",
    short="The filter could take too long to evaluate on a large event",
    long="Evaluating a filter may read the event's text at most 256 times over; this one could need more, for example through many LIKE patterns with _ or strings rebuilt by CONCAT, UPPER or LOWER.",
    causes=(
        "The filter repeats the same test on an attribute many times",
        "A LIKE pattern holds a long run of text and _ between two %",
        "Nested CONCAT, UPPER or LOWER calls build strings many times the size of the event",
    ),
    remedies=(
        "Write the filter with fewer conditions, for example with IN instead of many =",
        "Shorten the runs of text around _ in LIKE patterns, or use % instead",
    ),
)

FILTER_TOO_LARGE = ErrorSpec(
    code="notifycenter-1318",
    name="ErrFilterTooLarge",
    severity="ERROR",
    short="The filter has too many parts",
    long="A filter may hold at most 8192 operators, attributes and values in all, so that compiling it stays fast; Subscriptions API filters count every exact, prefix and suffix test.",
    causes=("A program generated a filter from a long list, one condition per item",),
    remedies=(
        "Compare with IN and a list of values instead of many = conditions joined by OR",
        "Filter on a common prefix of the values, or split the request",
    ),
)
