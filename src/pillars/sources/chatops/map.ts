// Comment webhooks -> ChatOps requests (pure). GitHub `issue_comment` (pull requests are issues
// to the Issues API: `issue.pull_request` is set on theirs) and GitLab `note` on merge requests and
// issues. Only new comments by people count: an edit would run a command twice, and a bot
// (ours included) must not talk to itself.
import { normalizeRepo } from '../../../core/identity.js';
import { num, obj, sha, str, type J } from '../model.js';
import { parseChatCommands, type ChatCommand } from './parse.js';

export interface ChatRequest {
  /** `${provider}:${delivery}:${n}`: a redelivered webhook maps to the same ids (stored once). */
  id: string;
  provider: 'github' | 'gitlab';
  repo: string;
  /** pull (a GitHub pull request or GitLab merge request) | issue */
  target: 'pull' | 'issue';
  /** Pull request number, merge request iid or issue iid. */
  number: number;
  user: string;
  command: ChatCommand;
  /** What acting needs later, kept with the audit row. */
  context: ChatContext;
}

export interface ChatContext {
  comment_url: string | null;
  installation_id: number | null;
  /** GitLab: the numeric project id and the commenter's user id (the member lookup takes ids). */
  project_id: number | null;
  user_id: number | null;
  default_branch: string | null;
  head_sha: string | null;
}

export type ChatMapping = { requests: ChatRequest[] } | { ignored: string };

function requests(base: Omit<ChatRequest, 'id' | 'command'>, body: string, delivery: string): ChatMapping {
  const commands = parseChatCommands(body);
  if (!commands.length) return { ignored: 'comment without a /ci-intel command' };
  return { requests: commands.map((command, i) => ({ ...base, id: `${base.provider}:${delivery}:${i + 1}`, command })) };
}

export function githubChat(p: J, delivery: string): ChatMapping {
  if (str(p.action) !== 'created') return { ignored: `issue_comment ${str(p.action) ?? ''}: only new comments carry commands` };
  const comment = obj(p.comment);
  const user = obj(comment.user);
  if (str(user.type) === 'Bot') return { ignored: 'comment by a bot' };
  const issue = obj(p.issue);
  const repo = str(obj(p.repository).full_name);
  const number = num(issue.number);
  const login = str(user.login);
  if (!repo || number === null || !login) return { ignored: 'issue_comment without repository, issue number or author' };
  return requests(
    {
      provider: 'github',
      repo: normalizeRepo(repo),
      target: issue.pull_request ? 'pull' : 'issue',
      number,
      user: login,
      context: {
        comment_url: str(comment.html_url),
        installation_id: num(obj(p.installation).id),
        project_id: null,
        user_id: num(user.id),
        default_branch: str(obj(p.repository).default_branch),
        head_sha: null,
      },
    },
    str(comment.body) ?? '',
    delivery,
  );
}

export function gitlabChat(p: J, repo: string, delivery: string): ChatMapping {
  const note = obj(p.object_attributes);
  if (note.system === true) return { ignored: 'system note' };
  const action = str(note.action);
  if (action && action !== 'create') return { ignored: `note ${action}: only new comments carry commands` };
  const type = str(note.noteable_type);
  const user = obj(p.user);
  const username = str(user.username);
  // GitLab's bot users (project and group access tokens) are named project_<id>_bot... / group_<id>_bot...
  if (!username || /^(project|group)_\d+_bot/.test(username)) return { ignored: 'note by a bot or without author' };
  const mr = obj(p.merge_request);
  const number = type === 'MergeRequest' ? num(mr.iid) : type === 'Issue' ? num(obj(p.issue).iid) : null;
  if (number === null) return { ignored: `note on a ${type ?? 'thing'}: commands work in merge requests and issues` };
  const project = obj(p.project);
  return requests(
    {
      provider: 'gitlab',
      repo: normalizeRepo(repo),
      target: type === 'MergeRequest' ? 'pull' : 'issue',
      number,
      user: username,
      context: {
        comment_url: str(note.url),
        installation_id: null,
        project_id: num(project.id) ?? num(p.project_id),
        user_id: num(user.id),
        default_branch: str(project.default_branch),
        head_sha: sha(obj(mr.last_commit).id),
      },
    },
    str(note.note) ?? '',
    delivery,
  );
}
