import { Link } from "react-router";
import { Empty } from "../components/ui";

export function NotFound() {
  return (
    <Empty
      title="Nothing here"
      action={
        <Link className="btn" to="/">
          Back to projects
        </Link>
      }
    >
      This page does not exist, or what it showed was deleted.
    </Empty>
  );
}
