"""Caddy's admin API, over the unix socket the proxy shares with the routes controller."""
