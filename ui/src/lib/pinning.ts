// Where a service's named volumes keep it: a named volume is a folder on one server's disk,
// so a service that writes to one runs on that server (the services controller adds the
// constraint). Read-only mounts and host folders do not pin it.

import type { Volume, VolumeMount } from "../api/types";

export interface Pin {
  volume: string;
  server: string;
}

/** The servers the service's writable named volumes live on, each volume once. */
export function pinsOf(mounts: VolumeMount[], volumes: Volume[]): Pin[] {
  const pins: Pin[] = [];
  for (const mount of mounts) {
    if (mount.read_only || pins.some((pin) => pin.volume === mount.volume)) continue;
    const volume = volumes.find((v) => v.spec.slug === mount.volume);
    if (!volume || volume.spec.kind === "host_path" || volume.spec.read_only) continue;
    const server = serverOf(volume);
    if (server) pins.push({ volume: mount.volume, server });
  }
  return pins;
}

/** The server a named volume was created on, once the volumes controller reported it. */
export function serverOf(volume: Volume): string | null {
  const node = volume.status.details?.node;
  return typeof node === "string" && node !== "" ? node : null;
}
