// What every tab of a service page shares: the service, its place, its deployments.

import { createContext, useContext } from "react";
import type {
  Deployment,
  Environment,
  PendingChanges,
  Project,
  Service,
  ServiceSpecInput,
} from "../../api/types";

export interface ServiceView {
  service: Service;
  environment: Environment | undefined;
  project: Project | undefined;
  deployments: Deployment[] | undefined;
  changes: PendingChanges | undefined;
  /** Replaces the spec with these fields changed (If-Match: the generation shown). */
  save: (patch: Partial<ServiceSpecInput>) => Promise<Service>;
  deploy: () => Promise<void>;
  reload: () => Promise<void>;
}

export const ServiceContext = createContext<ServiceView | null>(null);

export function useService(): ServiceView {
  const view = useContext(ServiceContext);
  if (!view) throw new Error("useService outside a service page");
  return view;
}
