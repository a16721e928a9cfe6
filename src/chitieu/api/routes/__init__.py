"""One router per resource; :mod:`chitieu.api.router` mounts them under ``/api``."""
