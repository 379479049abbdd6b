// The `chatops:` section of ci-intel.yml: what `/ci-intel` commands in comments may do. Credentials
// are the core `github` (token or GitHub App) and `gitlab` settings.
import { Type, type Static } from 'typebox';
import { configSection, setting } from '../../core/config.js';

export const chatopsConfigSection = configSection(
  'chatops',
  Type.Object(
    {
      enabled: Type.Boolean(
        setting({ default: true, description: 'Act on `/ci-intel` commands in pull-request, merge-request and issue comments.', env: 'CI_INTEL_CHATOPS' }),
      ),
      githubDeployWorkflow: Type.Optional(
        Type.String(
          setting({
            minLength: 1,
            description: 'GitHub: the workflow file `promote`/`rollback` dispatch (it declares the inputs `action` and `environment`), e.g. deploy.yml.',
            env: 'CI_INTEL_DEPLOY_WORKFLOW',
          }),
        ),
      ),
      gitlabDeployPipeline: Type.Boolean(
        setting({
          default: false,
          description: 'GitLab: `promote`/`rollback` start a pipeline with the variables CI_INTEL_ACTION and CI_INTEL_ENVIRONMENT.',
          env: 'CI_INTEL_DEPLOY_PIPELINE',
        }),
      ),
      deployRef: Type.Optional(
        Type.String(
          setting({ minLength: 1, description: "The branch deployments run from (default: the repository's default branch).", env: 'CI_INTEL_DEPLOY_REF' }),
        ),
      ),
      environments: Type.Array(
        Type.String({ minLength: 1 }),
        setting({
          default: [],
          description: 'Environments `promote`/`rollback` accept (empty: any); comma-separated in the environment.',
          env: 'CI_INTEL_DEPLOY_ENVIRONMENTS',
        }),
      ),
    },
    { additionalProperties: false, description: 'ChatOps: `/ci-intel rerun|promote|rollback|quarantine|chaos` in comments.' },
  ),
);

export type ChatopsConfig = Static<typeof chatopsConfigSection.schema>;
