/** Until HTTPS is set up, every page says what plain HTTP costs and how to end it. */
export function PlainHttpBanner({ protocol = window.location.protocol }: { protocol?: string }) {
  if (protocol !== "http:") return null;
  return (
    <div className="http-banner" role="alert">
      This dashboard is served over plain HTTP: passwords and sessions cross the network in clear.
      Point a domain at this server and run <code>zaneops up --dashboard-domain your.domain</code>{" "}
      to serve it only over HTTPS.
    </div>
  );
}
