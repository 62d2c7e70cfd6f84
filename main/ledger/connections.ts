import type { ConnectionState, StateAction } from '../../preload/api';

/** The columns of a `connections` row that the engine and the lifecycle read. */
export interface ConnectionRow {
  id: number;
  provider: string;
  institution_id: string;
  institution_name: string;
  provider_ref: string;
  state: ConnectionState;
  state_action: StateAction | null;
  failed_logins: number;
  backoff_attempts: number;
}
