"""One package per controller, each exporting its ENTRY; registry.py lists them."""
