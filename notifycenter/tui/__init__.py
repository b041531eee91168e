"""The notification center: Textual lives in this package only."""
