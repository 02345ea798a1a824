import type { App } from './app';
import { h, show, toast } from './dom';

/** Common passwords and ones holding the email are refused (PASSWORD_TOO_WEAK), and the refusal's text says why. */
const NEW_PASSWORD_HINT = 'A few unrelated words, 8 characters or more';

/** Sign in or create an account; then on to the profile (first time) or the deck. */
export function authView(app: App, onSignedIn: () => Promise<void>): void {
  let mode: 'register' | 'login' = 'register';
  const email = h('input', { type: 'email', placeholder: 'you@example.com', required: true, autocomplete: 'email', dataset: { test: 'email' } });
  const password = h('input', { type: 'password', placeholder: NEW_PASSWORD_HINT, required: true, minLength: 8, dataset: { test: 'password' } });
  const submit = h('button.primary.wide', { type: 'submit', dataset: { test: 'submit-auth' } }, 'Create account');
  const switcher = h('button.link', { type: 'button', onclick: () => setMode(mode === 'register' ? 'login' : 'register') }, 'I already have an account');
  const title = h('h1', {}, 'Find your people');

  const setMode = (next: typeof mode) => {
    mode = next;
    submit.textContent = mode === 'register' ? 'Create account' : 'Sign in';
    switcher.textContent = mode === 'register' ? 'I already have an account' : 'New here? Create an account';
    title.textContent = mode === 'register' ? 'Find your people' : 'Welcome back';
    password.placeholder = mode === 'register' ? NEW_PASSWORD_HINT : 'Your password';
  };

  const form = h(
    'form.card.auth',
    {
      onsubmit: async (event: Event) => {
        event.preventDefault();
        submit.disabled = true;
        try {
          if (mode === 'register') await app.kismet.register(email.value, password.value);
          else await app.kismet.login(email.value, password.value);
          await onSignedIn();
        } catch (error) {
          toast(error instanceof Error ? error.message.replace(/^[A-Z_]+: /, '') : String(error), 'error');
        } finally {
          submit.disabled = false;
        }
      },
    },
    h('div.hero', {}, h('span.logo.big', {}, '✦'), title, h('p.muted', {}, 'Swipe, match and talk, live.')),
    h('label', {}, 'Email', email),
    h('label', {}, 'Password', password),
    submit,
    switcher,
  );
  show(app.root, h('div.center', {}, form));
}
