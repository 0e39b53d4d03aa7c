"""The engine's HTTP API: the gateway's endpoints in its three formats, their checks and answer shapes."""
