// Types of scripts/image-steps.mjs for the tests that import its parser.
export interface Instruction {
  op: string;
  args: string;
  where: string;
}
export interface Step {
  op: 'WORKDIR' | 'COPY' | 'RUN';
  where: string;
  dir?: string;
  from?: string | null;
  sources?: string[];
  dest?: string;
  workdir?: string;
  command?: string | string[];
}
export interface Stage {
  name: string;
  image: string;
  steps: Step[];
  env: Record<string, string>;
  workdir: string;
  user: string | null;
  volumes: string[];
  expose: string[];
  healthcheck?: { options: Record<string, string | true>; command: string[] } | null;
  entrypoint?: string[];
  cmd?: string[];
}
export function parseDockerfile(text: string, file?: string): Instruction[];
export function stagesOf(instructions: Instruction[]): Stage[];
export function dockerignore(text: string): (rel: string) => boolean;
