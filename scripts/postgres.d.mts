export interface RunningPostgres {
  url: string;
  port: number;
  dir: string;
  stop(): void;
  /** Stops the server (as a restart or failover would), keeping its data. */
  halt(): void;
  /** Starts it again on the same port and data. */
  resume(): void;
}
export function findPgBin(): string | null;
export function freePort(): Promise<number>;
export function startPostgres(): Promise<RunningPostgres>;
