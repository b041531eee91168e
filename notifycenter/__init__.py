"""notifycenter: a notification and operation center for cloud native infrastructure."""

__version__ = "0.1.0"
