import { describe, expect, it } from "vitest";
import type { PinnedHostKey } from "../api/types";
import { byHost } from "./SshHosts";

const at = "2026-12-01T00:00:00Z";

function key(host: string, key_type: string): PinnedHostKey {
  return {
    host,
    key_type,
    fingerprint: `SHA256:${key_type}`,
    first_seen_at: at,
    first_seen_for: "",
  };
}

describe("byHost", () => {
  it("groups a server's keys under one entry, in the order they came", () => {
    const grouped = byHost([
      key("git.example.com", "ecdsa-sha2-nistp256"),
      key("git.example.com", "ssh-ed25519"),
      key("[10.0.0.5]:2222", "ssh-ed25519"),
    ]);
    expect(grouped.map(([host, keys]) => [host, keys.length])).toEqual([
      ["git.example.com", 2],
      ["[10.0.0.5]:2222", 1],
    ]);
  });

  it("is empty without keys", () => {
    expect(byHost([])).toEqual([]);
  });
});
