// A page that makes something in an environment (a service, a database): its title, and
// crumbs naming the project and environment once they are loaded.

import { get } from "../api/client";
import type { Environment, Project } from "../api/types";
import { useCrumbs } from "../components/app-context";
import { usePoll, useTitle } from "./hooks";

export function useEnvironmentPage(
  projectId: string,
  environmentId: string,
  title: string,
  path: string,
): void {
  const project = usePoll((s) => get<Project>(`/projects/${projectId}`, s), [projectId], null);
  const environment = usePoll(
    (s) => get<Environment>(`/environments/${environmentId}`, s),
    [environmentId],
    null,
  );
  useTitle(title);
  const here = `/projects/${projectId}/env/${environmentId}`;
  useCrumbs(
    project.data && environment.data
      ? [
          { label: project.data.spec.name, to: `/projects/${projectId}` },
          { label: environment.data.spec.slug, to: here },
          { label: title, to: `${here}/${path}` },
        ]
      : [],
  );
}
