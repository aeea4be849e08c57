"""The `zaneops` CLI as a client of the platform's API: contexts (where and who), resources
by name, and declarative manifests (apply, diff, export). It talks to the API only, over
HTTP, like the dashboard: it imports neither api/ nor controllers/."""
