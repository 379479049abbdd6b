// The sign-in control in the header: who is signed in and a sign-out button, or a sign-in link when
// the hub offers sign-in through its provider. The session cookie is HttpOnly: the page asks the
// hub (/auth/me) who it is, it never reads the cookie.
import { $, h } from '../core/web/index.js';

export async function accountControl(signIn: boolean): Promise<void> {
  const slot = $('#account');
  const me = await (await fetch('/auth/me')).json().catch(() => ({ signed_in: false }));
  if (me.signed_in) {
    slot.replaceChildren(
      h('span', { class: 'who', 'data-testid': 'signed-in-as', title: (me.teams ?? []).join(', ') }, me.name ?? me.email ?? 'signed in'),
      // A form POST: sign-out is not something a link on another site can do.
      h('form', { method: 'post', action: '/auth/logout', class: 'inline' }, h('button', { type: 'submit', 'data-testid': 'sign-out' }, 'Sign out')),
    );
  } else if (signIn) {
    const back = location.pathname + location.search;
    slot.replaceChildren(h('a', { class: 'button', href: `/auth/login?return=${encodeURIComponent(back)}`, 'data-testid': 'sign-in' }, 'Sign in'));
  }
}
