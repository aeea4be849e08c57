"""One router per resource; each route declares its own authentication."""
