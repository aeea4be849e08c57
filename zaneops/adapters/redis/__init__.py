"""Redis: log streams (runtime, build, HTTP), sessions, rate limits. The only importer of redis."""
