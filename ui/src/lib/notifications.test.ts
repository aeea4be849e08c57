import { describe, expect, it } from "vitest";
import type { Notification } from "../api/types";
import { deliveryNote, MASK, shownDelivery, targetOf, valuesOf } from "./notifications";

function message(
  phase: Notification["phase"],
  details: Record<string, unknown>,
  said = "",
): Notification {
  return {
    id: "m1",
    parent_id: "c1",
    spec: {
      event: {
        type: "deployment.failed",
        key: "k",
        title: "Deployment failed: shop/prod/web",
        text: "",
        occurred_at: "2026-12-07T09:00:00Z",
      },
    },
    generation: 1,
    status: {
      observed_generation: 1,
      conditions: said
        ? [
            {
              type: "Delivered",
              status: "False",
              reason: "Refused",
              message: said,
              last_transition_time: "2026-12-07T09:00:00Z",
            },
          ]
        : [],
      details,
    },
    finalizers: [],
    deleted_at: null,
    created_at: "2026-12-07T09:00:00Z",
    updated_at: "2026-12-07T09:00:00Z",
    phase,
  } as Notification;
}

describe("targetOf", () => {
  it("turns an email form into the API's target: a number port, a list of recipients", () => {
    const values = {
      ...valuesOf("email"),
      host: " smtp.x.test ",
      sender: "z@x.test",
      recipients: "a@x.test, b@x.test;c@x.test",
    };
    expect(targetOf("email", values)).toEqual({
      type: "email",
      host: "smtp.x.test",
      port: 587,
      security: "starttls",
      sender: "z@x.test",
      recipients: ["a@x.test", "b@x.test", "c@x.test"],
    });
  });

  it("sends a required blank as blank, so the API names the field, and leaves optional ones out", () => {
    expect(targetOf("ntfy", { server_url: "https://n.test", topic: "", token: "" })).toEqual({
      type: "ntfy",
      server_url: "https://n.test",
      topic: "",
    });
  });

  it("keeps a masked secret masked, so the API keeps the stored one", () => {
    const values = valuesOf("slack", { type: "slack", url: MASK });
    expect(targetOf("slack", values)).toEqual({ type: "slack", url: MASK });
  });

  it("starts another kind of target from its defaults, not the stored one's values", () => {
    expect(valuesOf("telegram", { type: "slack", url: MASK })).toEqual({
      bot_token: "",
      chat_id: "",
      api_url: "https://api.telegram.org",
    });
  });
});

describe("delivery", () => {
  it("says delivered, retrying with the count, or failed with the receiver's answer", () => {
    expect(shownDelivery(message("DELIVERED", {})).label).toBe("Delivered");
    expect(shownDelivery(message("PENDING", { attempts: 2 })).label).toBe("Retrying (2 tried)");
    expect(shownDelivery(message(null, {})).label).toBe("Sending");
    const failed = message("FAILED", { attempts: 1 }, "answered HTTP 404: no_service (1 attempt)");
    expect(shownDelivery(failed).tone).toBe("bad");
    expect(deliveryNote(failed)).toBe("answered HTTP 404: no_service (1 attempt)");
  });

  it("says how late a message arrived, and that a repeat was counted, not sent", () => {
    expect(deliveryNote(message("DELIVERED", { latency_ms: 1250 }))).toBe(
      "arrived 1.3 s after the event",
    );
    const counted = message("GROUPED", { grouped_into: "m0" });
    expect(shownDelivery(counted).label).toBe("Counted");
    expect(deliveryNote(counted)).toContain("not sent");
  });
});
