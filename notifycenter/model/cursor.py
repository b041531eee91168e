"""The hub's log position as text: zero-padded so that cursors sort in log order."""

CURSOR_WIDTH = 16


def format_cursor(seq: int) -> str:
    return f"{seq:0{CURSOR_WIDTH}d}"
