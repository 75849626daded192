"""One module per `incidentkb` command, each exposing `command`."""
