"""The controller runtime shared by every controller: queue, feed, lease, health."""
