/**
 * What many screens look up: the team (names for messages, transfer targets),
 * departments and canned responses. Loaded once per session, reloaded after an edit
 * and after a reconnect.
 */
import type { AgentClient, CannedResponse } from '@chinwag/sdk';
import { createContext, useContext, useSyncExternalStore } from 'react';
import { AgentsDetailsDocument, DepartmentsDetailsDocument, type AgentDetails, type Department } from './api';
import type { Inbox } from './inbox/inbox';

export interface DirectoryData {
  agents: AgentDetails[];
  departments: Department[];
  canned: CannedResponse[];
  loaded: boolean;
}

export interface Directory {
  get(): DirectoryData;
  subscribe(listener: () => void): () => void;
  reload(): Promise<void>;
  agentName(id: string | null | undefined): string | null;
}

export function createDirectory(client: AgentClient): Directory {
  let data: DirectoryData = { agents: [], departments: [], canned: [], loaded: false };
  const listeners = new Set<() => void>();
  async function reload() {
    const [agents, departments, canned] = await Promise.all([
      client.request(AgentsDetailsDocument).then((d) => d.agents),
      client.request(DepartmentsDetailsDocument).then((d) => d.departments),
      client.cannedResponses(),
    ]);
    data = { agents, departments, canned, loaded: true };
    listeners.forEach((l) => l());
  }
  void reload().catch(() => {});
  client.onReconnect(() => void reload().catch(() => {}));
  return {
    get: () => data,
    subscribe(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    reload,
    agentName: (id) => (id ? (data.agents.find((a) => a.id === id)?.name ?? null) : null),
  };
}

/** Everything a signed-in screen needs. */
export interface AppServices {
  client: AgentClient;
  inbox: Inbox;
  directory: Directory;
}

export const Services = createContext<AppServices | null>(null);

export function useServices(): AppServices {
  const s = useContext(Services);
  if (!s) throw new Error('useServices outside the signed-in app');
  return s;
}

export function useDirectory(): DirectoryData {
  const { directory } = useServices();
  return useSyncExternalStore(directory.subscribe, directory.get);
}
