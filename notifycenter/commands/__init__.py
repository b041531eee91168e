"""One module per command area, each exposing a click command or group named `command`."""
