"""Auto-deploy webhooks: what a Git host's push says, and whether it deploys (pure logic)."""
