"""The pure core: event format, severities, lifecycle, operations and filters.

Nothing here does I/O or imports a server, a client or Textual (checked by import-linter).
"""
