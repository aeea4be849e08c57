"""Manifests the client's tests share: a project a person might declare."""

from __future__ import annotations

SHOP = """\
apiVersion: zaneops.dev/v1
project: {slug: shop, name: Shop}
environments:
  - slug: production
    variables: {LOG_LEVEL: info}
    volumes:
      - slug: data
    services:
      - slug: web
        source: {type: image, image: "zaneops/busybox:latest"}
        replicas: 1
        env:
          - {name: MODE, value: prod}
          - {name: API_KEY, secret: true, value: {fromEnv: SHOP_API_KEY}}
        volumes: [{volume: data, container_path: /data}]
    domains:
      - domain: shop.localhost
        target: {service: web, port: 80}
        security_headers: true
"""
