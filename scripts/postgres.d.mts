export interface RunningPostgres {
  url: string;
  port: number;
  dir: string;
  stop(): void;
}
export function findPgBin(): string | null;
export function freePort(): Promise<number>;
export function startPostgres(): Promise<RunningPostgres>;
