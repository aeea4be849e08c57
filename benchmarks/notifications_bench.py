"""Alert latency: a failure written to Postgres → the message arrives at a receiver, against a
raw POST of the same size to the same receiver, in one run.

python -m benchmarks.notifications_bench [FAILURES] [CHANNELS]   (default 200 failures, 2)

On a throw-away database (migrated, dropped at the end), with the notifications controller
running in this process as `zaneops controller run notifications` runs it:
- raw: FAILURES POSTs of a message's body to a real HTTP receiver on loopback (httpx);
- ours: FAILURES deployments each written FAILED (as the services controller writes it), one
  every 20 ms; for each, the time from the status write to each channel's receipt (the row's
  NOTIFY, the event read, the message inserted, its own reconcile, the signed POST).
Prints p50/p99/max of both and their ratio, and the controller's CPU time per message.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import time
from typing import Any

import httpx

from controllers import notifications
from controllers.notifications.settings import NotificationsSettings
from tests.support import database
from tests.support.receivers import HttpReceiver, http_receiver
from tests.support.runtime import running
from tests.support.swarm import deploy, make_environment, make_service, web_spec
from zaneops.adapters.postgres.store import PostgresStore
from zaneops.common.secrets import SecretBox, new_key
from zaneops.specs import Condition, ConditionStatus, Status
from zaneops.specs.kinds import Kind

SECRET = "benchmark-signing-secret-0123"
GAP_SECONDS = 0.02


def percentiles(values: list[float]) -> str:
    ordered = sorted(values)
    p50 = statistics.median(ordered)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return f"p50 {p50 * 1000:7.1f} ms  p99 {p99 * 1000:7.1f} ms  max {ordered[-1] * 1000:7.1f} ms"


async def raw_posts(receiver: HttpReceiver, count: int) -> list[float]:
    body = json.dumps({"event": {"type": "deployment.failed", "text": "x" * 200}}).encode()
    took = []
    async with httpx.AsyncClient() as client:
        for _ in range(count):
            began = time.perf_counter()
            answer = await client.post(f"{receiver.url}/raw", content=body)
            answer.raise_for_status()
            took.append(time.perf_counter() - began)
            await asyncio.sleep(GAP_SECONDS)
    return took


async def ours(
    url: str, key: str, receiver: HttpReceiver, count: int, channels: int
) -> list[float]:
    store = await PostgresStore.open(url)
    try:
        sealed = SecretBox(key).seal(SECRET)
        for n in range(channels):
            target = {"type": "webhook", "url": f"{receiver.url}/c{n}", "secret": sealed}
            await store.create(Kind.CHANNELS, {"name": f"c{n}", "target": target})
        environment = await make_environment(store)
        spec = web_spec("bench")
        service = await make_service(store, environment.id, spec)
        settings = NotificationsSettings(allow_local_addresses=True, per_channel_per_minute=1000)
        latencies: list[float] = []
        async with running(
            lambda deps: notifications.build(deps, settings),
            url,
            installation={"secret_key": key},
        ):
            written: dict[str, float] = {}
            cpu_before = time.process_time()
            for _ in range(count):
                deployment = await deploy(store, service.id, spec)
                failed = Condition(
                    type="Deployed", status=ConditionStatus.FALSE, reason="Crashed", message="boom"
                )
                status = Status(conditions=[failed], details={"phase": "FAILED"})
                written[str(deployment.id)] = time.perf_counter()
                await store.write_status(Kind.DEPLOYMENTS, deployment.id, status)
                await asyncio.sleep(GAP_SECONDS)
            deadline = time.monotonic() + 60
            while len(receiver.received) < count * channels and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            cpu = time.process_time() - cpu_before
        for received in receiver.received:
            event: dict[str, Any] = json.loads(received.body)["event"]
            latencies.append(received.at - written[event["subject_id"]])
        per_message = cpu / max(1, len(latencies)) * 1000
        print(f"controller and test process CPU: {per_message:.2f} ms per message")
        return latencies
    finally:
        await store.close()


async def main(count: int, channels: int) -> None:
    template = database.create_template()
    name = database.clone(template)
    key = new_key()
    try:
        with http_receiver() as receiver:
            raw = await raw_posts(receiver, count)
            receiver.received.clear()
            mine = await ours(database.url_for(name), key, receiver, count, channels)
        print(f"{count} failures, {channels} channels: {len(mine)} of {count * channels} arrived")
        print(f"raw POST      {percentiles(raw)}")
        print(f"ours (alert)  {percentiles(mine)}")
        print(
            "ratio p50 "
            f"{statistics.median(mine) / statistics.median(raw):.1f}  "
            f"(ours includes the NOTIFY, reading the row, inserting the message, its reconcile)"
        )
    finally:
        database.drop(name)
        database.drop(template)


if __name__ == "__main__":
    arguments = [int(a) for a in sys.argv[1:]]
    asyncio.run(main(*(arguments + [200, 2][len(arguments) :])))
