"""incidentkb: incidents and postmortems as code."""

__version__ = "0.1.0"
